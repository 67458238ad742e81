"""Watching a full day: "Tell me if a time frees up", and booking from the notice.

A day without free times shows the button (:func:`bot.conversations.booking.views.slots`);
pressing it stores the watch (shared with everyone watching that site, service
and day: :mod:`bot.storage.slot_watches`) and ends the flow with a Stop button.
:mod:`bot.notifications.slot_watch` reads the day and sends the notice, whose
buttons enter the booking here at the freed time: the details and summary come
next, as after picking that time by hand. A time taken again meanwhile is said
so, and the day's times are shown instead.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ConversationHandler

from bot.conversations.booking import entry, steps
from bot.conversations.booking.draft import Draft
from bot.conversations.booking.states import Step
from bot.i18n import format_day
from bot.notifications.slot_watch import slot_minute
from bot.runtime import BotContext
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply, user_message
from bot.ui.buttons import answer_stale, toast
from bot.vendors import Service, Site, VendorError

log = logging.getLogger(__name__)
END = ConversationHandler.END


async def on_watch(update: Update, context: BotContext, _: cb.SlotWatchStart) -> object:
    """The button under a full day: watch it; the flow ends with a Stop button."""
    draft = Draft.of(context.user_data)
    watcher = context.services.slot_watcher
    user = update.effective_user
    site, service, day = draft.site, draft.service, draft.day
    if watcher is None or user is None or draft.vendor is None or site is None \
            or service is None or day is None:
        await answer_stale(update, context)
        return None
    watch = await context.services.storage.slot_watches.watch(
        vendor=draft.vendor, site=site.model_dump(mode="json"),
        service=service.model_dump(mode="json"), day=day, timezone=site.timezone,
        telegram_id=user.id, language=context.language, first_check=watcher.first_check,
    )
    watcher.wake()
    Draft.clear(context.user_data)
    t = context.t
    text = t._("🔔 I will tell you if a time frees up on {day}: {service} at {site}.",
               day=format_day(day, t.locale), service=service.name, site=site.name)
    markup = keyboard([[(t._("🔕 Stop watching"), cb.SlotWatchStop(watch=watch.id).encode())]])
    await reply(update, context, text, markup)
    return END


async def on_stop(update: Update, context: BotContext, button: cb.SlotWatchStop) -> None:
    """Stop under the watch's confirmation: the presser stops watching (only their own)."""
    user = update.effective_user
    assert user is not None
    if not await context.services.storage.slot_watches.stop(button.watch, user.id):
        await toast(update, context.t._("You are not watching that day any more."))
        return
    await reply(update, context, context.t._("🔕 I stopped watching that day."))


async def book_from_notice(update: Update, context: BotContext, button: cb.SlotWatchBook) -> object:
    """A time on the notice: the booking at that site, service, day and time."""
    user = update.effective_user
    assert user is not None
    t = context.t
    repo = context.services.storage.slot_watches
    watch = await repo.get(button.watch)
    mine = await repo.watcher(button.watch, user.id) if watch is not None else None
    vendor = context.services.vendors.get(watch.vendor) if watch is not None else None
    if watch is None or mine is None or vendor is None:
        # The day is over, the user stopped or was forgotten: a flow under way goes on.
        await reply(update, context, t._("This notice is no longer valid. Start again with /book."),
                    edit=False)
        return None
    draft = Draft.of(context.user_data, new=True)
    draft.vendor = vendor.name
    draft.site = Site.model_validate(watch.site)
    draft.service = Service.model_validate(watch.service)
    draft.day = watch.day
    try:
        listed = await vendor.list_slots(context.customer(user), watch.site_id,
                                         watch.service_id, watch.day)
        draft.remember("slots", listed)
        slot = next((s for s in listed if slot_minute(s) == button.at), None)
        if slot is None:
            await reply(update, context, t._("Sorry, that time was taken meanwhile."), edit=False)
            return await steps.show_slots(update, context, edit=False)
        return await entry.slot_chosen(update, context, slot)
    except VendorError as exc:
        log.warning("booking from a slot notice failed: %r", exc)
        await reply(update, context, user_message(exc, t), edit=False)
        if draft.data.get("slots") is not None:
            return Step.SLOT  # the day's times are known: typing a time goes on from here
        Draft.clear(context.user_data)
        return END
