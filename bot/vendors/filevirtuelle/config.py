"""FileVirtuelle settings, read from ``FILEVIRTUELLE_*`` environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr, field_validator

from bot.vendors._config import OptionalText, VendorSettings, present

API_ROOT = "/api/public/v2"
DEFAULT_BASE_URL = f"https://fv.filevirtuelle.com{API_ROOT}"


class Settings(VendorSettings):
    """The API key and secret FileVirtuelle hands out, and where to find the API.

    ``base_url`` may be given with or without the ``/api/public/v2`` root; it
    is appended when missing. ``organization_id`` (optional) restricts the
    stores offered to one organization. ``machine_id`` is the ticket machine
    (a device of type ``machine``) customers are registered through; without
    it, or when it belongs to another store, the store's own ticket machine
    from ``GET /devices`` is used. The vendor is enabled when the base URL,
    the key and the secret are all present.
    """

    env_prefix: ClassVar[str] = "FILEVIRTUELLE_"

    base_url: str | None = DEFAULT_BASE_URL
    api_key: OptionalText = None
    api_secret: SecretStr | None = None
    organization_id: OptionalText = None
    machine_id: OptionalText = None
    # how far back a queue snapshot looks for the store's customers
    snapshot_lookback_minutes: int = 720

    @field_validator("base_url")
    @classmethod
    def _api_root(cls, value: str | None) -> str | None:
        value = (value or "").strip().rstrip("/")
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("not an http(s) URL")
        return value if value.endswith(API_ROOT) else value + API_ROOT

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and self.api_key and present(self.api_secret))
