"""The buttons of a ticket card: Refresh, and Leave queue (after a confirmation).

They work whenever the card is on screen, long after the join flow ended,
so they are plain handlers keyed by the stored ticket id, checked against
the user who presses.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.i18n import format_time
from bot.runtime import BotContext
from bot.storage import TicketRecord
from bot.ui import keyboard, reply
from bot.ui.errors import user_message
from bot.vendors import Ticket, VendorError

log = logging.getLogger(__name__)


async def _own(update: Update, context: BotContext) -> TicketRecord | None:
    """The pressed card's ticket, if it belongs to whoever pressed and is still active."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    ticket = await context.services.storage.tickets.get(int(query.data.rsplit(":", 1)[1]))
    if ticket is None or ticket.owner != update.effective_user.id or ticket.state not in ("waiting", "called"):
        return None
    return ticket


async def on_refresh(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query is not None
    t = context.t
    ticket = await _own(update, context)
    watcher = context.services.queue_watcher
    if ticket is None or watcher is None:
        await query.answer(t._("This ticket is no longer in the queue."))
        return
    snapshot = await watcher.refresh(ticket)
    if snapshot is None:
        await query.answer(t._("The queue system is busy; the card will update by itself."))
        return
    vendor = context.services.vendors.queue(ticket.vendor)
    zone = await watcher.timezone(vendor, ticket.site_id) if vendor is not None else "UTC"
    await query.answer(t._("Up to date ({time}).", time=format_time(snapshot.taken_at, zone, t.locale)))


async def ask_leave(update: Update, context: BotContext) -> None:
    t = context.t
    ticket = await _own(update, context)
    if ticket is None:
        await reply(update, context, t._("This ticket is no longer in the queue."), edit=False)
        return
    markup = keyboard([[
        (t._("Yes, leave"), f"tk:leave!:{ticket.id}"),
        (t._("No, stay"), f"tk:stay:{ticket.id}"),
    ]])
    text = t._("Leave the queue at {site}? Ticket {number} will be given up and you lose your place.",
               site=ticket.site_name, number=ticket.number)
    await reply(update, context, text, markup, edit=False)


async def do_leave(update: Update, context: BotContext) -> None:
    t = context.t
    ticket = await _own(update, context)
    if ticket is None:
        await reply(update, context, t._("This ticket is no longer in the queue."))
        return
    vendor = context.services.vendors.queue(ticket.vendor)
    if vendor is None:
        await reply(update, context, user_message(VendorError("vendor disabled"), t, queue=True))
        return
    try:
        await vendor.leave(Ticket(vendor=ticket.vendor, external_id=ticket.external_id,
                                  site_id=ticket.site_id, number=ticket.number, state=ticket.state))
    except VendorError as exc:
        log.warning("leaving the queue failed: %r", exc)
        await reply(update, context, user_message(exc, t, queue=True), edit=False)
        return
    watcher = context.services.queue_watcher
    if watcher is not None:
        await watcher.ended(ticket, "left")  # the card says so, the watch stops
    else:
        await context.services.storage.tickets.set_state(ticket.id, "left")
    await reply(update, context, t._("You left the queue at {site}.", site=ticket.site_name))


async def stay(update: Update, context: BotContext) -> None:
    await reply(update, context, context.t._("OK, you keep your place in the queue."))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CallbackQueryHandler(on_refresh, pattern=r"^tk:refresh:\d+$"))
    application.add_handler(CallbackQueryHandler(ask_leave, pattern=r"^tk:leave:\d+$"))
    application.add_handler(CallbackQueryHandler(do_leave, pattern=r"^tk:leave!:\d+$"))
    application.add_handler(CallbackQueryHandler(stay, pattern=r"^tk:stay:\d+$"))
