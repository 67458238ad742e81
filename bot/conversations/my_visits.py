"""The visiting appointments /my lists beside bookings, for users mapped to a visitor.

An office's visitors are not Telegram users, and the vendor's API cannot tell
which visitor a chat user is; so only users the operator's configuration maps
(:meth:`SpacesRole.visitor_of`) see visits. They are read through the spaces
role of every vendor declaring :attr:`Capability.VISITS`, so no vendor is named
here, and shown read-only: a visitor does not cancel an invitation. The bot
keeps no timezone per user, so times are shown in the zone of the visit's
building (where the visitor has to be), named on the line.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from bot.i18n import Translator, format_datetime, format_time
from bot.runtime import BotContext
from bot.vendors import Capability, SpacesRole, VendorError, Visit

log = logging.getLogger(__name__)

HORIZON = timedelta(days=60)  # how far ahead /my looks for visits


def _line(t: Translator, visit: Visit, zone: str, building: str | None) -> str:
    when = format_datetime(visit.start, zone, t.locale)
    if visit.end is not None:
        when += " – " + format_time(visit.end, zone, t.locale)
    detail = " – ".join(part for part in (visit.subject, building) if part)
    if visit.host:
        detail += (" · " if detail else "") + t._("invited by {host}", host=visit.host)
    return f"• {when} ({zone})" + (f"\n  {detail}" if detail else "")


async def visit_lines(context: BotContext, telegram_id: int) -> list[str]:
    """The user's upcoming visits as /my lines (empty when unmapped or none)."""
    t = context.t
    now = datetime.now(timezone.utc)
    lines: list[str] = []
    for vendor in context.services.vendors.playing(SpacesRole).values():
        visitor = vendor.visitor_of(telegram_id) if vendor.can(Capability.VISITS) else None
        if visitor is None:
            continue
        try:
            visits = await vendor.visits(visitor, now, now + HORIZON)
            buildings = {b.id: b for b in await vendor.list_buildings()} if visits else {}
        except VendorError as exc:
            log.warning("vendor=%s visits unavailable: %r", vendor.name, exc)
            lines.append(t._("Your visits cannot be read right now; try /my again later."))
            continue
        for visit in visits:
            if (visit.end or visit.start) <= now:
                continue
            building = buildings.get(visit.building_id or "")
            zone = building.timezone if building else "UTC"
            lines.append(_line(t, visit, zone, building.name if building else None))
    return lines
