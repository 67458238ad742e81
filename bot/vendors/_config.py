"""Base for each vendor's settings.

A vendor reads its own ``<PREFIX>_*`` variables; when its credentials are
absent it is simply disabled, so a deployment enables exactly the vendors it
has contracts with.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class VendorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    @property
    def enabled(self) -> bool:
        """True when every credential the vendor needs is present."""
        raise NotImplementedError
