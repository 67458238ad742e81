"""ufirst settings, read from ``UFIRST_*`` environment variables."""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from bot.vendors._config import VendorSettings

DEFAULT_BASE_URL = "https://api.ufirst.business/v1"


class Settings(VendorSettings):
    """Credentials ufirst hands out when a partner account is enabled.

    The vendor is enabled when the organization id, the private key id and
    the client email are all present; ``notification_channel`` (e.g.
    ``mailto:desk@example.com``) is optional and sent with each reservation.
    """

    model_config = SettingsConfigDict(
        env_prefix="UFIRST_", env_file=".env", extra="ignore", case_sensitive=False
    )

    base_url: str = DEFAULT_BASE_URL
    organization_id: str | None = None
    private_key_id: SecretStr | None = None
    client_email: str | None = None
    notification_channel: str | None = None

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value.rstrip("/")

    @field_validator("organization_id", "client_email", "notification_channel")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @property
    def enabled(self) -> bool:
        return bool(
            self.organization_id
            and self.client_email
            and self.private_key_id is not None
            and self.private_key_id.get_secret_value()
        )
