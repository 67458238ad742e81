"""Reading vendors' timezones, with one rule for names that are missing or wrong.

Vendors report a site's timezone as an IANA name, sometimes not at all or
misspelt. Times must still be shown somewhere sensible rather than fail a
whole conversation, so an adapter names the candidates it has in order of
trust (what the vendor reported, a guess from the country, its own default)
and gets the first that exists.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_or_none(name: str | None) -> ZoneInfo | None:
    """The zone called ``name``; None when there is no such zone."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def first_zone(*names: str | None, default: str = "UTC") -> ZoneInfo:
    """The first of ``names`` that is a known zone, else ``default``."""
    for name in names:
        zone = zone_or_none(name)
        if zone is not None:
            return zone
    return ZoneInfo(default)


def country_zone(country: str | None) -> str | None:
    """The main zone of an ISO 3166 country (``"CH"`` -> Europe/Zurich), if any."""
    from babel.core import get_global  # babel's data, loaded at the first use, not at start

    zones = get_global("territory_zones").get((country or "").upper()) or []
    return zones[0] if zones else None


def in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """An instant in ``zone``; a timestamp without offset is read as local time there."""
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
