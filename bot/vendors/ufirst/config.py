"""ufirst settings, read from ``UFIRST_*`` environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

from bot.vendors._config import HttpUrl, OptionalText, VendorSettings, present

DEFAULT_BASE_URL = "https://api.ufirst.business/v1"


class Settings(VendorSettings):
    """Credentials ufirst hands out when a partner account is enabled.

    The vendor is enabled when the organization id, the private key id and
    the client email are all present; ``notification_channel`` (e.g.
    ``mailto:desk@example.com``) is optional and sent with each reservation.
    """

    env_prefix: ClassVar[str] = "UFIRST_"

    base_url: HttpUrl = DEFAULT_BASE_URL
    organization_id: OptionalText = None
    private_key_id: SecretStr | None = None
    client_email: OptionalText = None
    notification_channel: OptionalText = None

    @property
    def enabled(self) -> bool:
        return bool(self.organization_id and self.client_email and present(self.private_key_id))
