"""Umbrella Faces settings, read from ``FACES_*`` environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import SecretStr

from bot.vendors._config import CommaList, HttpUrl, OptionalText, VendorSettings, present

DEFAULT_BASE_URL = "https://hurricane.umbrellanet.ch/uf-test"
# What linking asks for: the ID token claims that prefill bookings, and read
# access so the bot can check with Faces that the link still works.
DEFAULT_SCOPES = ("openid", "profile", "email", "api.profilesondemand.read")


class Settings(VendorSettings):
    """The client Umbrella registers for the bot (see the README).

    Enabled when both ``FACES_CLIENT_ID`` and ``FACES_CLIENT_SECRET`` are set.
    ``FACES_PKCE`` adds an S256 code challenge to every link (RFC 7636, as RFC
    9700 recommends even for confidential clients); turn it off only for a
    Faces installation that refuses unknown parameters.
    Staff ``/company`` uses the client credentials grant, which Umbrella
    must set up for the client; without it the lookup answers "refused".
    """

    env_prefix: ClassVar[str] = "FACES_"

    base_url: HttpUrl = DEFAULT_BASE_URL
    client_id: OptionalText = None
    client_secret: SecretStr | None = None
    scopes: CommaList = DEFAULT_SCOPES
    pkce: bool = True
    # Longest wait for a 429's Retry-After before giving up on the call.
    max_retry_wait: float = 30.0

    @property
    def enabled(self) -> bool:
        return bool(self.client_id and present(self.client_secret))
