"""/badge CODE (a visitor badge's state and validity) and staff /today (visitor figures).

Both ask every enabled vendor that plays the spaces role with visitor
badges, or the reports role, so the feature names no vendor. A code is
letters and digits (4 to 16 of them, e.g. ``FJUEIW``); anything else, and a
code no vendor knows, gets the same not-found answer with the format, so a
typo and a guess read alike. Times are shown in the badge's building's
timezone. /today is for STAFF_IDS only: the day is each timezone's own
today, and the figures are asked once per timezone of the buildings.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import N_, Translator, format_date, format_datetime
from bot.runtime import BotContext, services_of
from bot.ui import reply, user_message
from bot.ui.access import staff_only
from bot.vendors import (
    Badge,
    Capability,
    FigureKind,
    NotFound,
    ReportsRole,
    SpacesRole,
    VendorError,
)

log = logging.getLogger(__name__)
STAFF_ONLY = ("today",)  # commands behind the STAFF_IDS filter

CODE = re.compile(r"[A-Za-z0-9]{4,16}")

_STATES = {
    "expected": N_("expected, not arrived yet"),
    "visiting": N_("on site now"),
    "visited": N_("visit over"),
    "no_show": N_("did not come"),
    "unknown": N_("unknown"),
}
_FIGURES: list[tuple[FigureKind, str]] = [
    ("visitors_expected", N_("expected")),
    ("visitors_in", N_("on site")),
    ("visitors_left", N_("left")),
    ("no_shows", N_("no-shows")),
]


def _not_found(t: Translator) -> str:
    return t._("No visitor badge has that code. A code is 4 to 16 letters or digits, "
               "as on the invitation, e.g. /badge FJUEIW")


async def _zone_of(vendor: SpacesRole, building_id: str | None) -> str:
    if building_id is not None:
        for building in await vendor.list_buildings():
            if building.id == building_id:
                return building.timezone
    return "UTC"


def _badge_text(t: Translator, badge: Badge, zone: str) -> str:
    lines = [t._("Visitor badge {code}: {state}.", code=badge.code, state=t._(_STATES[badge.state]))]
    if badge.valid_from and badge.valid_until:
        lines.append(t._("Valid from {start} to {end}.",
                         start=format_datetime(badge.valid_from, zone, t.locale),
                         end=format_datetime(badge.valid_until, zone, t.locale)))
    return "\n".join(lines)


async def badge_command(update: Update, context: BotContext) -> None:
    t = context.t
    code = " ".join(context.args or []).strip()
    if not code:
        await reply(update, context, t._("Send /badge and the code of the visitor badge, "
                                         "e.g. /badge FJUEIW"))
        return
    if not CODE.fullmatch(code):
        await reply(update, context, _not_found(t))
        return
    vendors = [v for v in context.services.vendors.playing(SpacesRole).values()
               if v.can(Capability.BADGES)]
    failure: VendorError | None = None
    for vendor in vendors:
        try:
            badge = await vendor.badge(code)
            text = _badge_text(t, badge, await _zone_of(vendor, badge.building_id))
        except NotFound:
            continue
        except VendorError as exc:
            log.warning("badge lookup failed: %r", exc)
            failure = exc
            continue
        await reply(update, context, text)
        return
    await reply(update, context, user_message(failure, t) if failure else _not_found(t))


async def today_command(update: Update, context: BotContext) -> None:
    """Staff only: registered behind the STAFF_IDS filter (others: access.staff_refusals)."""
    t = context.t
    lines: list[str] = []
    try:
        for vendor in context.services.vendors.playing(ReportsRole).values():
            lines.extend(await _figures(vendor, t))
    except VendorError as exc:
        log.warning("/today failed: %r", exc)
        await reply(update, context, user_message(exc, t))
        return
    await reply(update, context, "\n\n".join(lines) if lines else t._("No visitor figures are available."))


async def _figures(vendor: ReportsRole, t: Translator) -> list[str]:
    zones: dict[str, list[str]] = {}
    if isinstance(vendor, SpacesRole):
        for building in await vendor.list_buildings():
            zones.setdefault(building.timezone, []).append(building.name)
    else:
        zones["UTC"] = []
    blocks = []
    for zone, names in zones.items():
        today = datetime.now(timezone.utc).astimezone(ZoneInfo(zone)).date()
        got = await vendor.daily_figures(today, zone)
        title = t._("Visitors on {day} ({zone})", day=format_date(today, t.locale), zone=zone)
        if names:
            title += "\n" + ", ".join(names)
        counts = " · ".join(f"{t._(label)}: {got.figures.get(kind, 0)}" for kind, label in _FIGURES)
        blocks.append(f"{title}\n{counts}")
    return blocks


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("badge", badge_command))
    staff = staff_only(services_of(application).settings.staff_ids)
    application.add_handler(CommandHandler("today", today_command, filters=staff))
