"""Bookings ONE settings, read from ``BOOKINGSONE_*`` environment variables."""

from __future__ import annotations

from typing import ClassVar, Literal
from pydantic import Field, SecretStr, field_validator

from bot.vendors._config import CommaList, OptionalHttpUrl, OptionalText, VendorSettings, present
from bot.vendors._zones import zone_or_none


def _zone(name: str) -> str:
    if zone_or_none(name) is None:
        raise ValueError(f"unknown timezone {name!r}")
    return name


class Settings(VendorSettings):
    """The server address and the API access token made in the management console.

    Each customer runs its own Bookings ONE server, so there is no default
    address. ``auth`` chooses how the key travels: ``basic`` (the documented
    default: the key as the Basic username, empty password) or ``header``
    (the key alone as the ``Authorization`` header, the document's
    cross-origin variant). Buildings carry no timezone in the API, yet "now",
    free-until times and the daily visitor figures depend on it:
    ``building_timezones`` maps ids (``1=Europe/Zurich,2=America/New_York``)
    and ``timezone`` covers the rest. ``subscription_minutes`` is the
    ``expireTime`` asked for (the vendor allows at most 1440). ``language``
    picks among the localized names the vendor returns when the user's own
    language has none. ``visitors`` maps Telegram user ids to Bookings ONE
    visitor ids (``123456789=5002,...``) so /my lists their visits: the API
    has no way to tell which visitor a chat user is, so the operator says.
    """

    env_prefix: ClassVar[str] = "BOOKINGSONE_"

    base_url: OptionalHttpUrl = None
    api_key: SecretStr | None = None
    auth: Literal["basic", "header"] = "basic"
    timezone: str = "UTC"
    building_timezones: CommaList = ()
    subscription_minutes: int = Field(default=60, ge=5, le=1440)
    language: OptionalText = "en"
    visitors: CommaList = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return _zone(value.strip() or "UTC")

    @field_validator("building_timezones")
    @classmethod
    def _pairs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            building, sep, zone = item.partition("=")
            if not sep or not building.strip():
                raise ValueError(f"expected BUILDING_ID=Area/City, got {item!r}")
            _zone(zone.strip())
        return value

    @field_validator("visitors")
    @classmethod
    def _visitor_pairs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            user, sep, visitor = item.partition("=")
            if not sep or not user.strip().isdigit() or not visitor.strip().isdigit():
                raise ValueError(f"expected TELEGRAM_ID=VISITOR_ID (digits), got {item!r}")
        return value

    def visitor_of(self, telegram_id: int) -> str | None:
        """The visitor id mapped to a Telegram user, if the configuration maps one."""
        for item in self.visitors:
            user, _, visitor = item.partition("=")
            if int(user.strip()) == telegram_id:
                return visitor.strip()
        return None

    def zone_of(self, building_id: str) -> str:
        """The IANA timezone a building's times are read and shown in."""
        for item in self.building_timezones:
            building, _, zone = item.partition("=")
            if building.strip() == building_id:
                return zone.strip()
        return self.timezone

    @property
    def enabled(self) -> bool:
        return bool(self.base_url and present(self.api_key))
