"""/rooms: which rooms and desks are free now (or at a time), and until when.

Building (skipped when there is one) -> "now" or a time in free text read by
the bot's date reader (:func:`bot.i18n.parse_when`, in the building's
timezone) -> how many people -> the free spaces holding that many, each
with the time it stays free until, then the busy ones with the time they
free up. Availability is computed from the busy intervals of the next
:data:`HORIZON` (:func:`bot.vendors.availability`), every time shown in the
building's timezone and the user's language. Any vendor playing the spaces
role takes part; none is named here.

Each run of /rooms is a :class:`RoomsDraft` with its own nonce, carried by
every button of the run (:class:`bot.ui.callbacks.RoomButton`): a button of
an earlier run still on screen, or of a run whose building list differed, is
answered as stale by :class:`~bot.ui.buttons.ButtonHandler` and changes
nothing. "Notify me" buttons outlive their run; see :func:`on_watch`.
"""

from __future__ import annotations

import enum
import logging
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import Translator, format_datetime, format_time
from bot.i18n.when import parse_when
from bot.runtime import BotContext
from bot.ui import callbacks as cb
from bot.ui import UserDataDraft, keyboard, reply, user_message
from bot.ui.answers import answers_itself
from bot.ui.buttons import ButtonHandler, answer_stale
from bot.vendors import Availability, Building, Space, SpacesRole, VendorError, availability

log = logging.getLogger(__name__)

END = ConversationHandler.END
HORIZON = timedelta(hours=12)
SIZES = (1, 2, 4, 6, 8, 10)
# user_data: {"flow": nonce, "buildings": [[vendor, building json]...], "pick": i, "at": iso}
KEY = "rooms"
WATCHABLE = "rooms_busy"  # user_data: {run nonce: the busy spaces of its answer}, for "Notify me"
OFFERS_KEPT = 5  # the last listings whose "Notify me" buttons still work


class Step(enum.IntEnum):
    BUILDING, WHEN, SIZE = range(3)


class RoomsDraft(UserDataDraft):
    """One run of /rooms: the buildings listed, the one picked, the time asked, the nonce."""

    KEY = KEY


def _draft(context: BotContext) -> RoomsDraft:
    return RoomsDraft.of(context.user_data)


def _state(context: BotContext) -> dict[str, Any]:
    return _draft(context).data


def _picked(context: BotContext) -> tuple[SpacesRole, Building] | None:
    state = _state(context)
    listed = state.get("buildings", [])
    pick = state.get("pick")
    if not isinstance(pick, int) or not 0 <= pick < len(listed):
        return None
    name, raw = listed[pick]
    vendor = context.services.vendors.playing_as(SpacesRole, name)
    return (vendor, Building.model_validate(raw)) if vendor else None


async def start_rooms(update: Update, context: BotContext) -> int:
    t = context.t
    draft = RoomsDraft.of(context.user_data, new=True)  # a new run: older buttons are stale
    listed: list[list[Any]] = []
    try:
        for name, vendor in context.services.vendors.playing(SpacesRole).items():
            listed += [[name, b.model_dump(mode="json")] for b in await vendor.list_buildings()]
    except VendorError as exc:
        log.warning("/rooms: buildings failed: %r", exc)
        RoomsDraft.clear(context.user_data)
        await reply(update, context, user_message(exc, t))
        return END
    if not listed:
        RoomsDraft.clear(context.user_data)
        await reply(update, context, t._("No office with rooms is set up yet."))
        return END
    draft.data["buildings"] = listed
    if len(listed) == 1:
        draft.data["pick"] = 0
        return await _ask_when(update, context)
    rows = [[(raw["name"], cb.RoomBuilding(flow=draft.flow, index=i).encode())]
            for i, (_, raw) in enumerate(listed)]
    await reply(update, context, t._("Which building?"), keyboard(rows))
    return Step.BUILDING


async def on_building(update: Update, context: BotContext, button: cb.RoomBuilding) -> int:
    _state(context)["pick"] = button.index
    return await _ask_when(update, context)


async def _ask_when(update: Update, context: BotContext) -> int:
    picked = _picked(context)
    if picked is None:
        return await start_rooms(update, context)
    t = context.t
    text = t._("{building}: for when? Tap Now, or write a time, e.g. 14:30 or tomorrow 9:00.",
               building=picked[1].name)
    now = cb.RoomNow(flow=_draft(context).flow)
    await reply(update, context, text, keyboard([[(t._("Now"), now.encode())]]))
    return Step.WHEN


async def on_now(update: Update, context: BotContext, _: cb.RoomNow) -> int:
    _state(context)["at"] = None
    return await _ask_size(update, context)


async def on_when_text(update: Update, context: BotContext) -> int:
    t = context.t
    picked = _picked(context)
    message = update.effective_message
    if picked is None or message is None or not message.text:
        return await start_rooms(update, context)
    zone = ZoneInfo(picked[1].timezone)
    now = datetime.now(zone)
    when = parse_when(message.text, context.language, now)
    moment = when.time or when.after if when else None
    if when is None or (moment is None and when.day is None):
        await message.reply_text(t._("I could not read a time there. Write e.g. 14:30 or "
                                     "tomorrow 9:00, or tap Now."))
        return Step.WHEN
    at = datetime.combine(when.day or now.date(), moment or now.time(), zone)
    if at < now - timedelta(minutes=1):
        await message.reply_text(t._("That time has passed. Write a later one, or tap Now."))
        return Step.WHEN
    _state(context)["at"] = at.isoformat()
    return await _ask_size(update, context)


async def _ask_size(update: Update, context: BotContext) -> int:
    t = context.t
    labels = [t._("1 (desk)") if n == 1 else str(n) for n in SIZES]
    flow = _draft(context).flow
    rows = [[(label, cb.RoomSize(flow=flow, index=i).encode()) for i, label in enumerate(labels)]]
    await reply(update, context, t._("For how many people?"), keyboard(rows))
    return Step.SIZE


async def on_size(update: Update, context: BotContext, button: cb.RoomSize) -> int:
    index = button.index
    if not 0 <= index < len(SIZES):
        return await _ask_size(update, context)
    return await _answer(update, context, SIZES[index])


async def _answer(update: Update, context: BotContext, people: int) -> int:
    t = context.t
    picked = _picked(context)
    if picked is None:
        return await start_rooms(update, context)
    vendor, building = picked
    raw_at = _state(context).get("at")
    at = datetime.fromisoformat(raw_at) if raw_at else datetime.now(timezone.utc)
    try:
        spaces = await vendor.list_spaces(building.id, min_capacity=people)
        busy = await vendor.busy(building.id, at, at + HORIZON, [s.id for s in spaces]) if spaces else []
    except VendorError as exc:
        log.warning("/rooms: spaces failed: %r", exc)
        await reply(update, context, user_message(exc, t))
        return Step.SIZE
    found = [availability(s, busy, at) for s in spaces]
    markup = None
    if context.user_data is not None:
        flow = _draft(context).flow
        RoomsDraft.clear(context.user_data)
        taken = [a.space for a in found if not a.free]
        if raw_at is None and taken and context.services.space_watcher is not None:
            _offer(context.user_data, flow, {
                "vendor": vendor.name, "building": building.model_dump(mode="json"),
                "spaces": [s.model_dump(mode="json") for s in taken]})
            markup = keyboard([[(t._("🔔 Notify me when {space} frees up", space=s.name),
                                 cb.RoomWatch(flow=flow, index=i).encode())]
                               for i, s in enumerate(taken)])
    await reply(update, context, _listing(t, building, at, people, found, raw_at is None), markup)
    return END


def _offer(user_data: dict[str, Any], flow: str, offer: dict[str, Any]) -> None:
    """Keep ``offer`` (a listing's busy spaces) under its run's nonce, with the last few others."""
    kept = user_data.get(WATCHABLE)
    # (the single offer kept before nonces, {"vendor": …, "spaces": …}, leaves no entry)
    offers = {k: v for k, v in (kept if isinstance(kept, dict) else {}).items()
              if isinstance(v, dict) and "spaces" in v}
    offers.pop(flow, None)
    offers[flow] = offer
    user_data[WATCHABLE] = dict(list(offers.items())[-OFFERS_KEPT:])


@answers_itself
async def on_watch(update: Update, context: BotContext, button: cb.RoomWatch) -> None:
    """"Notify me when it frees up" under a /rooms answer.

    The /rooms run has ended by then (the answer ends it), and the user may
    well press it later, after another /rooms: what they expect is a watch on
    the room whose name is on the button. So this button is not checked
    against the current run (no ``flow=``); it carries the nonce of the run
    it was shown under, and the busy spaces of that run's answer stay kept
    under that nonce (the last :data:`OFFERS_KEPT` answers), so the index
    means the same room it did then. A listing older than those, a forged
    nonce, or an index past the list is answered as stale and watches nothing.

    It acts only for whoever pressed: the offers are looked up in the
    presser's own ``user_data`` and the watch is set for the presser's id, so
    a button copied from another user's chat names no offer of theirs (it is
    stale) and can never set or change a watch for the user who got it.
    """
    t = context.t
    query = update.callback_query
    user = update.effective_user
    offers = (context.user_data or {}).get(WATCHABLE)
    offered = offers.get(button.flow) if isinstance(offers, dict) else None
    index = button.index
    spaces = offered.get("spaces", []) if isinstance(offered, dict) else []
    watcher = context.services.space_watcher
    if query is None or user is None or watcher is None or offered is None \
            or not 0 <= index < len(spaces):
        if query is not None:
            await answer_stale(update, context)
        return
    space = Space.model_validate(spaces[index])
    building = Building.model_validate(offered["building"])
    try:
        await watcher.watch(offered["vendor"], building, space, user.id, context.language)
    except VendorError as exc:
        log.warning("/rooms: watching failed: %r", exc)
        await reply(update, context, user_message(exc, t), edit=False)
        return
    await reply(update, context, t._("🔔 I will tell you when {space} frees up.", space=space.name),
                edit=False)


def _listing(t: Translator, building: Building, at: datetime, people: int,
             found: list[Availability], now: bool) -> str:
    zone = building.timezone
    when = t._("now") if now else format_datetime(at, zone, t.locale)
    free = sorted((a for a in found if a.free), key=lambda a: (a.space.capacity or 0, a.space.name))
    taken = sorted((a for a in found if not a.free), key=lambda a: a.until or at)
    if not free:
        lines = [t._("Nothing for {people} is free at {building} {when}.",
                     people=people, building=building.name, when=when)]
    else:
        lines = [t._("Free at {building} {when} for {people}:", building=building.name,
                     when=when, people=people)]
        for item in free:
            lines.append("• " + _space(t, item) + " — " + (
                t._("free until {time}", time=format_time(item.until, zone, t.locale))
                if item.until else t._("free for the next 12 hours")))
    if taken:
        lines.append("")
        lines.append(t._("Busy:"))
        for item in taken:
            lines.append("• " + _space(t, item) + " — " + (
                t._("free from {time}", time=format_time(item.until, zone, t.locale))
                if item.until else t._("busy for the next 12 hours")))
    lines.append("")
    lines.append(t._("Times are in {zone}.", zone=zone))
    return "\n".join(lines)


def _space(t: Translator, item: Availability) -> str:
    space = item.space
    text = space.name
    details = []
    if space.capacity:
        details.append(t.n_("{n} seat", "{n} seats", space.capacity))
    if space.floor:
        details.append(t._("floor {floor}", floor=space.floor))
    return f"{text} ({', '.join(details)})" if details else text


async def quit_rooms(update: Update, context: BotContext) -> int:
    RoomsDraft.clear(context.user_data)
    await reply(update, context, context.t._("Stopped."), edit=False)
    return END


def conversation() -> ConversationHandler:  # type: ignore[type-arg]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        return ConversationHandler(
            name="rooms",
            persistent=True,
            allow_reentry=True,
            entry_points=[CommandHandler("rooms", start_rooms)],
            states={
                Step.BUILDING: [ButtonHandler(cb.RoomBuilding, on_building, flow=RoomsDraft)],
                Step.WHEN: [ButtonHandler(cb.RoomNow, on_now, flow=RoomsDraft),
                            MessageHandler(filters.TEXT & ~filters.COMMAND, on_when_text)],
                Step.SIZE: [ButtonHandler(cb.RoomSize, on_size, flow=RoomsDraft)],
            },
            fallbacks=[CommandHandler("cancel", quit_rooms)],
        )


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(conversation())
    application.add_handler(ButtonHandler(cb.RoomWatch, on_watch))  # outlives the run: see on_watch
