"""bookingtime settings, read from ``BOOKINGTIME_*`` environment variables.

``BOOKINGTIME_ORGANIZATION_IDS`` and ``BOOKINGTIME_LOCALES`` are
comma-separated lists (``org1,org2``; ``de,en``). The first locale is the
fallback for customers whose language bookingtime does not serve.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from bot.vendors._config import VendorSettings

DEFAULT_AUTH_URL = "https://auth.bookingtime.com"
DEFAULT_API_URL = "https://api.bookingtime.com"


class Settings(VendorSettings):
    """A bookingtime module: its client id (and secret, if any) and organizations.

    Enabled when the client id, the API URL and at least one organization id
    are set. The Module API issues no client secret; one is sent only when
    configured.
    """

    model_config = SettingsConfigDict(
        env_prefix="BOOKINGTIME_", env_file=".env", extra="ignore", case_sensitive=False
    )

    auth_url: str = DEFAULT_AUTH_URL
    api_url: str = DEFAULT_API_URL
    client_id: str | None = None
    client_secret: SecretStr | None = None
    organization_ids: Annotated[tuple[str, ...], NoDecode] = ()
    locales: Annotated[tuple[str, ...], NoDecode] = ("de",)

    @field_validator("auth_url", "api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value

    @field_validator("client_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return (value.strip() or None) if value is not None else None

    @field_validator("organization_ids", mode="before")
    @classmethod
    def _organizations(cls, value: object) -> tuple[str, ...]:
        return _comma_list(value)

    @field_validator("locales", mode="before")
    @classmethod
    def _locales(cls, value: object) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item.lower() for item in _comma_list(value))) or ("de",)

    @property
    def secret(self) -> str | None:
        """The client secret when one is configured and not blank."""
        if self.client_secret is None:
            return None
        return self.client_secret.get_secret_value().strip() or None

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.api_url and self.auth_url and self.organization_ids)


def _comma_list(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = list(value.split(","))
    else:
        items = list(value or ())  # type: ignore[call-overload]
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
