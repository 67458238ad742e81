"""The buttons of a ticket card: Refresh, and Leave queue (after a confirmation).

They work whenever the card is on screen, long after the join flow ended,
so they are plain handlers keyed by the stored ticket id, checked against
the user who presses (another user's id changes nothing and says so).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application

from bot.i18n import format_time
from bot.runtime import BotContext
from bot.storage import TicketRecord
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply
from bot.ui.answers import answer, answers_itself
from bot.ui.buttons import ButtonHandler, for_owner
from bot.ui.errors import user_message
from bot.vendors import Ticket, VendorError

log = logging.getLogger(__name__)


async def _ticket(context: BotContext, button: cb.TicketButton) -> TicketRecord | None:
    return await context.services.storage.tickets.get(button.ticket)


def _active(ticket: TicketRecord | None) -> TicketRecord | None:
    return ticket if ticket is not None and ticket.state in ("waiting", "called") else None


@answers_itself
async def on_refresh(update: Update, context: BotContext, _: cb.TicketRefresh, found: TicketRecord | None) -> None:
    query = update.callback_query
    assert query is not None
    t = context.t
    ticket = _active(found)
    watcher = context.services.queue_watcher
    if ticket is None or watcher is None:
        await answer(update, t._("This ticket is no longer in the queue."))
        return
    snapshot = await watcher.refresh(ticket)
    if snapshot is None:
        await answer(update, t._("The queue system is busy; the card will update by itself."))
        return
    vendor = context.services.vendors.queue(ticket.vendor)
    zone = await watcher.timezone(vendor, ticket.site_id) if vendor is not None else "UTC"
    await answer(update, t._("Up to date ({time}).", time=format_time(snapshot.taken_at, zone, t.locale)))


async def ask_leave(update: Update, context: BotContext, _: cb.TicketLeave, found: TicketRecord | None) -> None:
    t = context.t
    ticket = _active(found)
    if ticket is None:
        await reply(update, context, t._("This ticket is no longer in the queue."), edit=False)
        return
    markup = keyboard([[
        (t._("Yes, leave"), cb.TicketLeaveYes(ticket=ticket.id).encode()),
        (t._("No, stay"), cb.TicketStay(ticket=ticket.id).encode()),
    ]])
    text = t._("Leave the queue at {site}? Ticket {number} will be given up and you lose your place.",
               site=ticket.site_name, number=ticket.number)
    await reply(update, context, text, markup, edit=False)


async def do_leave(update: Update, context: BotContext, _: cb.TicketLeaveYes, found: TicketRecord | None) -> None:
    t = context.t
    ticket = _active(found)
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


async def stay(update: Update, context: BotContext, _: cb.TicketStay, __: TicketRecord | None) -> None:
    await reply(update, context, context.t._("OK, you keep your place in the queue."))


def register(application: Application) -> None:  # type: ignore[type-arg]
    # Each button names a stored ticket; only its owner's presses reach the handler.
    application.add_handler(ButtonHandler(cb.TicketRefresh, for_owner(_ticket, on_refresh)))
    application.add_handler(ButtonHandler(cb.TicketLeave, for_owner(_ticket, ask_leave)))
    application.add_handler(ButtonHandler(cb.TicketLeaveYes, for_owner(_ticket, do_leave)))
    application.add_handler(ButtonHandler(cb.TicketStay, for_owner(_ticket, stay)))
