"""bookingtime settings, read from ``BOOKINGTIME_*`` environment variables.

``BOOKINGTIME_ORGANIZATION_IDS`` and ``BOOKINGTIME_LOCALES`` are
comma-separated lists (``org1,org2``; ``de,en``). The first locale is the
fallback for customers whose language bookingtime does not serve.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr, field_validator

from bot.vendors._config import CommaList, HttpUrl, OptionalText, VendorSettings, present

DEFAULT_AUTH_URL = "https://auth.bookingtime.com"
DEFAULT_API_URL = "https://api.bookingtime.com"


class Settings(VendorSettings):
    """A bookingtime module: its client id (and secret, if any) and organizations.

    Enabled when the client id, the API URL and at least one organization id
    are set. The Module API issues no client secret; one is sent only when
    configured.
    """

    env_prefix: ClassVar[str] = "BOOKINGTIME_"

    auth_url: HttpUrl = DEFAULT_AUTH_URL
    api_url: HttpUrl = DEFAULT_API_URL
    client_id: OptionalText = None
    client_secret: SecretStr | None = None
    organization_ids: CommaList = ()
    locales: CommaList = ("de",)

    @field_validator("locales")
    @classmethod
    def _locales(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(item.lower() for item in value)) or ("de",)

    @property
    def secret(self) -> str | None:
        """The client secret when one is configured and not blank."""
        return self.client_secret.get_secret_value().strip() if present(self.client_secret) else None  # type: ignore[union-attr]

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and self.api_url and self.auth_url and self.organization_ids)

