"""How each step looks: the text and buttons, in the user's language.

Pure functions of vendor-neutral models and a translator, so the look of
the flow can be read (and tested) without a bot.
"""

from __future__ import annotations

import math
from datetime import date

from telegram import InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import (
    Translator,
    format_datetime,
    format_day,
    format_duration,
    format_money,
    format_time,
)
from bot.ui import callbacks as cb
from bot.ui import keyboard
from bot.ui.limits import MAX_BUTTON_TEXT, shorten
from bot.vendors import BookingDraft, Capability, Service, Site, Slot

PAGE_SIZE = 6


def nav_row(t: Translator, flow: str, *, back: bool = True) -> list[tuple[str, str]]:
    """Back and Cancel; ``flow`` is the run's nonce every button of the flow carries."""
    row = [(t._("« Back"), cb.BookingBack(flow=flow).encode())] if back else []
    return row + [(t._("✖ Cancel"), cb.BookingQuit(flow=flow).encode())]


def businesses(t: Translator, flow: str, titles: list[str]) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[(title, cb.BusinessPick(flow=flow, index=i).encode())] for i, title in enumerate(titles)]
    return t._("Which business would you like to book with?"), keyboard(rows + [nav_row(t, flow, back=False)])


def site_label(site: Site, distance_km: float | None) -> str:
    place = f"{site.name}" + (f" ({site.city})" if site.city and site.city.lower() not in site.name.lower() else "")
    if distance_km is None:
        return place
    return f"{place} · {distance_km:.1f} km"


def sites(
    t: Translator,
    flow: str,
    listed: list[Site],
    page: int,
    *,
    distances: list[float] | None = None,
    back: bool,
    can_locate: bool,
) -> tuple[str, InlineKeyboardMarkup]:
    pages = max(1, math.ceil(len(listed) / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    start = page * PAGE_SIZE
    rows = [
        [(site_label(site, distances[start + i] if distances else None), cb.SitePick(flow=flow, index=start + i).encode())]
        for i, site in enumerate(listed[start : start + PAGE_SIZE])
    ]
    paging: list[tuple[str, str]] = []
    if page > 0:
        paging.append(("‹", cb.SitesPage(flow=flow, page=page - 1).encode()))
    if pages > 1:
        paging.append((f"{page + 1}/{pages}", cb.SitesPage(flow=flow, page=page).encode()))
    if page < pages - 1:
        paging.append(("›", cb.SitesPage(flow=flow, page=page + 1).encode()))
    if paging:
        rows.append(paging)
    rows.append(nav_row(t, flow, back=back))
    text = t._("Where would you like to go?")
    if can_locate:
        text += "\n" + t._("Tip: share your location to see the nearest places first.")
    return text, keyboard(rows)


def location_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [[KeyboardButton(t._("📍 Share my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def service_label(service: Service, t: Translator, capabilities: frozenset[Capability]) -> str:
    parts = [service.name]
    if service.duration_minutes and Capability.DURATION in capabilities:
        parts.append(format_duration(service.duration_minutes, t.locale))
    if service.price and Capability.PRICES in capabilities:
        parts.append(format_money(service.price, t.locale))
    return " · ".join(parts)


def services(
    t: Translator, flow: str, site: Site, listed: list[Service], capabilities: frozenset[Capability]
) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[(service_label(s, t, capabilities), cb.ServicePick(flow=flow, index=i).encode())]
            for i, s in enumerate(listed)]
    return t._("{site}: which service?", site=site.name), keyboard(rows + [nav_row(t, flow)])


def days(t: Translator, flow: str, open_days: list[date]) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [(format_day(day, t.locale), cb.DayPick(flow=flow, day=day).encode()) for day in open_days]
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    text = t._("Which day? Pick one, or write a day and time, e.g. “tomorrow at 11”.")
    if not open_days:
        text = t._("There are no open days in the coming weeks. Please choose another service.")
    return text, keyboard(rows + [nav_row(t, flow)])


def slot_label(
    slot: Slot, site: Site, t: Translator, capabilities: frozenset[Capability], *, with_resource: bool
) -> str:
    label = format_time(slot.start, site.timezone, t.locale)
    if with_resource and slot.resource:
        label += f" {slot.resource}"
    if slot.remaining is not None and Capability.CAPACITY in capabilities:
        label += " · " + t.n_("{n} left", "{n} left", slot.remaining)
    return label


def slots(
    t: Translator, flow: str, site: Site, day: date, listed: list[Slot], capabilities: frozenset[Capability],
    *, watch: bool = False,
) -> tuple[str, InlineKeyboardMarkup]:
    """The day's times; on a full day, with ``watch``, "Tell me if a time frees up"."""
    several = len({s.resource for s in listed}) > 1  # e.g. two desks at 11:00: say which
    buttons = [
        (slot_label(s, site, t, capabilities, with_resource=several), cb.SlotPick(flow=flow, index=i).encode())
        for i, s in enumerate(listed)
    ]
    per_row = 2 if Capability.CAPACITY in capabilities else 3
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    if listed:
        text = t._("{day}: which time?", day=format_day(day, t.locale))
    else:
        text = t._("No free times left on {day}. Please pick another day.", day=format_day(day, t.locale))
        if watch:
            rows.append([(t._("🔔 Tell me if a time frees up"), cb.SlotWatchStart(flow=flow).encode())])
    return text, keyboard(rows + [nav_row(t, flow)])


def summary(
    t: Translator, flow: str, draft: BookingDraft, labels: dict[str, str], capabilities: frozenset[Capability]
) -> tuple[str, InlineKeyboardMarkup]:
    lines = [
        t._("Please check your booking:"),
        "",
        f"🏢 {shorten(draft.site.name)}" + (f", {shorten(draft.site.address)}" if draft.site.address else ""),
        f"🛎 {shorten(service_label(draft.service, t, capabilities), MAX_BUTTON_TEXT)}",
        f"🕒 {when_text(t, draft.site, draft.slot)}",
    ]
    # What the user typed is shown shortened: the summary must fit one message.
    for field_id, value in draft.details.items():
        lines.append(f"• {shorten(labels.get(field_id, field_id))}: {shorten(value)}")
    rows = [
        [(t._("✅ Confirm"), cb.ConfirmBooking(key=draft.idempotency_key).encode())],
        change_row(t, flow),
    ]
    return "\n".join(lines), keyboard(rows)


def change_row(t: Translator, flow: str) -> list[tuple[str, str]]:
    """Under a summary: pick another time, or leave."""
    return [(t._("✏️ Change"), cb.BookingChange(flow=flow).encode()),
            (t._("✖ Cancel"), cb.BookingQuit(flow=flow).encode())]


def when_text(t: Translator, site: Site, slot: Slot) -> str:
    text = format_datetime(slot.start, site.timezone, t.locale)
    if slot.end is not None:
        text += " – " + format_time(slot.end, site.timezone, t.locale)
    return text
