"""Staff /broadcast: pick an audience, write the message, see a preview, send.

Sending is not done here: confirming creates the broadcast and queues one outbox row
per recipient (:meth:`bot.storage.BroadcastRepo.create`), the outbox sender sends them
at Telegram's free ceiling (or the paid one), and a live progress message with Pause /
Resume and Stop follows it (:mod:`bot.notifications.broadcast_progress`), also after a
restart. Only staff (STAFF_IDS) reach these handlers.
"""

from __future__ import annotations

import enum
import math
import warnings
from typing import Any

from telegram import Update
from telegram.constants import MessageLimit
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.i18n import Translator, format_count
from bot.runtime import BotContext, services_of
from bot.storage import Audience, Place
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply
from bot.ui.access import staff_only
from bot.ui.answers import answers_itself
from bot.ui.buttons import ButtonHandler, toast

END = ConversationHandler.END
KEY = "broadcast"
PLACES_SHOWN = 10
STARS_PER_PAID_MESSAGE = 0.1  # Telegram's fee per message past the free limit
FREE_PER_SECOND = 30


class Step(enum.IntEnum):
    AUDIENCE = 1
    PLACE = 2
    MESSAGE = 3
    PREVIEW = 4


def _draft(context: BotContext) -> dict[str, Any]:
    assert context.user_data is not None
    return context.user_data.setdefault(KEY, {})


def _cancel_row(t: Translator) -> list[tuple[str, str]]:
    return [(t._("✖ Cancel"), cb.BroadcastCancel().encode())]


async def start(update: Update, context: BotContext) -> Step:
    assert context.user_data is not None
    context.user_data[KEY] = {}
    t = context.t
    everyone = len(await context.services.storage.broadcasts.recipients(Audience()))
    rows = [
        [(t._("Everyone ({count})", count=format_count(everyone, t.locale)),
          cb.BroadcastAudience(kind="everyone").encode())],
        [(t._("People with bookings at a site"), cb.BroadcastAudience(kind="site").encode())],
        [(t._("People waiting at a store"), cb.BroadcastAudience(kind="store").encode())],
        _cancel_row(t),
    ]
    await reply(update, context, t._("📣 Who should receive the message?"), keyboard(rows))
    return Step.AUDIENCE


@answers_itself
async def on_audience(update: Update, context: BotContext, button: cb.BroadcastAudience) -> Step:
    t = context.t
    if button.kind == "everyone":
        _draft(context)["audience"] = Audience().model_dump()
        return await _ask_message(update, context)
    places = await context.services.storage.broadcasts.places(button.kind)
    if not places:
        await toast(update, t._("Nobody to reach there right now."))
        return Step.AUDIENCE
    shown = places[:PLACES_SHOWN]
    _draft(context)["places"] = [p.model_dump() for p in shown]
    _draft(context)["kind"] = button.kind
    rows = [[(f"{p.name} ({format_count(p.people, t.locale)})", cb.BroadcastPlace(index=i).encode())]
            for i, p in enumerate(shown)]
    question = t._("Which site?") if button.kind == "site" else t._("Which store?")
    await reply(update, context, question, keyboard(rows + [_cancel_row(t)]))
    return Step.PLACE


@answers_itself
async def on_place(update: Update, context: BotContext, button: cb.BroadcastPlace) -> Step:
    draft = _draft(context)
    places = [Place.model_validate(p) for p in draft.get("places", [])]
    if button.index >= len(places):
        await toast(update, context.t._("That button is no longer active."))
        return Step.PLACE
    place = places[button.index]
    draft["audience"] = Audience(kind=draft["kind"], vendor=place.vendor, place_id=place.place_id,
                                 place_name=place.name).model_dump()
    return await _ask_message(update, context)


async def _ask_message(update: Update, context: BotContext) -> Step:
    t = context.t
    await reply(update, context, t._(
        "Send the message now: text, or a photo with a caption. It goes out exactly as you "
        "send it."), keyboard([_cancel_row(t)]))
    return Step.MESSAGE


async def on_message(update: Update, context: BotContext) -> Step:
    message = update.effective_message
    assert message is not None
    t = context.t
    draft = _draft(context)
    if message.photo:
        caption = message.caption or ""
        if len(caption) > MessageLimit.CAPTION_LENGTH:
            await reply(update, context, t._("A caption can be at most {limit} characters.",
                                             limit=MessageLimit.CAPTION_LENGTH))
            return Step.MESSAGE
        draft.update(text=caption, photo=message.photo[-1].file_id)
    elif message.text:
        draft.update(text=message.text, photo=None)
    else:
        await reply(update, context, t._("Please send text or a photo."))
        return Step.MESSAGE
    return await _preview(update, context)


async def _preview(update: Update, context: BotContext) -> Step:
    t = context.t
    draft = _draft(context)
    audience = Audience.model_validate(draft["audience"])
    people = len(await context.services.storage.broadcasts.recipients(audience))
    chat = update.effective_chat
    assert chat is not None
    if draft.get("photo"):
        await context.bot.send_photo(chat.id, draft["photo"], caption=draft["text"] or None)
    else:
        await context.bot.send_message(chat.id, draft["text"])
    rate = context.services.settings.broadcast_rate
    minutes = max(1, math.ceil(people / rate / 60))
    stars = math.ceil(people * STARS_PER_PAID_MESSAGE * max(0.0, 1 - FREE_PER_SECOND / 1000))
    lines = [
        t._("⬆️ This is how it will look."),
        t._("To: {audience}", audience=_audience_name(t, audience)),
        t._("Recipients: {count}", count=format_count(people, t.locale)),
        t._("Sending takes about {minutes} min at the free rate.", minutes=minutes),
    ]
    rows = [[(t._("✅ Send"), cb.BroadcastSend(mode="free").encode())]]
    if people > FREE_PER_SECOND:
        lines.append(t._("Fast sending (up to 1000 per second) costs about {stars} ⭐ from the "
                         "bot's balance.", stars=format_count(stars, t.locale)))
        rows.append([(t._("⚡ Send fast (about {stars} ⭐)", stars=format_count(stars, t.locale)),
                      cb.BroadcastSend(mode="paid").encode())])
    await context.bot.send_message(chat.id, "\n".join(lines),
                                   reply_markup=keyboard(rows + [_cancel_row(t)]))
    return Step.PREVIEW


def _audience_name(t: Translator, audience: Audience) -> str:
    if audience.kind == "site":
        return t._("people with bookings at {place}", place=audience.place_name)
    if audience.kind == "store":
        return t._("people waiting at {place}", place=audience.place_name)
    return t._("everyone")


@answers_itself
async def on_send(update: Update, context: BotContext, button: cb.BroadcastSend) -> int:
    assert context.user_data is not None and update.effective_user is not None
    draft = context.user_data.pop(KEY, {})
    if "text" not in draft:
        await toast(update, context.t._("That button is no longer active."))
        return END
    services = context.services
    broadcast, queued = await services.storage.broadcasts.create(
        update.effective_user.id, draft["text"], Audience.model_validate(draft["audience"]),
        photo=draft.get("photo"), paid=button.mode == "paid",
    )
    message = await reply(update, context, context.t._("📣 Broadcast #{number}: queued for {count}.",
                                                       number=broadcast.id, count=queued))
    if message is not None:
        await services.storage.broadcasts.set_progress_message(
            broadcast.id, message.chat_id, message.message_id)
    if services.outbox is not None:
        services.outbox.wake()
    if services.broadcasts is not None:
        services.broadcasts.track(broadcast.id)
    return END


async def on_cancel(update: Update, context: BotContext, _: object = None) -> int:
    if context.user_data is not None:
        context.user_data.pop(KEY, None)
    await reply(update, context, context.t._("Nothing was sent."))
    return END


@answers_itself
async def on_control(update: Update, context: BotContext, button: cb.BroadcastControl) -> None:
    """Pause, Resume or Stop from the progress message."""
    repo = context.services.storage.broadcasts
    action = {"pause": repo.pause, "resume": repo.resume, "stop": repo.stop}[button.action]
    changed = await action(button.broadcast)
    t = context.t
    done = {"pause": t._("Paused."), "resume": t._("Sending…"), "stop": t._("Stopped.")}
    await toast(update, done[button.action] if changed else t._("That button is no longer active."))
    if changed and context.services.broadcasts is not None:
        context.services.broadcasts.refresh(button.broadcast)
    if changed and button.action == "resume" and context.services.outbox is not None:
        context.services.outbox.wake()


def register(application: Application) -> None:  # type: ignore[type-arg]
    staff = staff_only(services_of(application).settings.staff_ids)
    cancel = [CommandHandler("cancel", on_cancel), ButtonHandler(cb.BroadcastCancel, on_cancel)]
    with warnings.catch_warnings():
        # One conversation per staff member and chat, not per message, is the point.
        warnings.filterwarnings("ignore", message=".*per_message=False.*")
        conversation = ConversationHandler(
            name="broadcast",
            persistent=True,
            allow_reentry=True,
            entry_points=[CommandHandler("broadcast", start, filters=staff)],
            states={
                Step.AUDIENCE: [ButtonHandler(cb.BroadcastAudience, on_audience, users=staff)],
                Step.PLACE: [ButtonHandler(cb.BroadcastPlace, on_place, users=staff)],
                Step.MESSAGE: [MessageHandler((filters.TEXT & ~filters.COMMAND) | filters.PHOTO,
                                              on_message)],
                Step.PREVIEW: [ButtonHandler(cb.BroadcastSend, on_send, users=staff)],
            },
            fallbacks=cancel,
        )
    application.add_handler(conversation)
    application.add_handler(ButtonHandler(cb.BroadcastControl, on_control, users=staff))
