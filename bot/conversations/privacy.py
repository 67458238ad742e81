"""/privacy and /forget: what the bot keeps about a user, and forgetting it on request.

/forget (or "Forget me" under /help and /privacy) shows one screen: what will
be deleted, what stays at the businesses, and Yes / No; with bookings or
queue places ahead, a first button cancels them at the vendors (and leaves
the queues), all at once and within :data:`CANCEL_FIRST_SECONDS`, and shows the
screen again: nothing is forgotten there, so a vendor that hung is simply asked
again by the next press (one that did cancel then answers "not found", which
counts as cancelled). "Yes, forget me" deletes every row
about the user (:meth:`bot.storage.Storage.forget_user`), what vendor
adapters keep for them (:meth:`bot.vendors.Vendor.forget_customer`), their
room watches, and the bot's memory of them (user and chat data,
conversation states), so their next message is a first contact.

The buttons carry the user's id (someone else's press, with copied data, is
refused by :func:`~bot.ui.buttons.for_owner`) and the screen's nonce, kept
in the user's data: a screen shown before, or one left from before they
were forgotten, is stale.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from telegram import Update, User
from telegram.ext import Application, CommandHandler, ConversationHandler

from bot.conversations.booking import vendor_booking
from bot.i18n import Translator
from bot.runtime import BotContext
from bot.storage import BookingRecord, TicketRecord
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply
from bot.ui.answers import answers_itself
from bot.ui.buttons import ButtonHandler, answer_stale, for_owner
from bot.vendors import Capability, Ticket, VendorError, VendorTimeout

log = logging.getLogger(__name__)

SCREEN = "forget_screen"  # user_data: the nonce of the /forget screen on show
# "Cancel ... first" asks every vendor at once and waits this long at most for them
# all (each call also has its vendor's own deadline), so the user hears back within
# 10 s even when several vendors hang; an unanswered call may still have cancelled.
CANCEL_FIRST_SECONDS = 8.0
Outcome = Literal["done", "failed", "slow"]


@dataclass(frozen=True)
class Whose:
    """The user a /forget button was made for (see for_owner)."""

    owner: int


async def _whose(context: BotContext, button: cb.ForgetButton) -> Whose:
    return Whose(button.user)


def privacy_text(t: Translator) -> str:
    return "\n".join([
        t._("What I keep about you, and why:"),
        t._("• your language, and whether you blocked me;"),
        t._("• your bookings and queue tickets (what, where, when): for /my, reminders and "
            "your live ticket card;"),
        t._("• the details you typed for a booking (names, phone, e-mail, address), "
            "encrypted, to offer them next time;"),
        t._("• the keys of a profile you linked with /link, encrypted."),
        t._("Businesses get the details a booking needs and a code for you, never your "
            "Telegram account."),
        "",
        t._("/forget deletes all of it here. What you booked stays with the businesses "
            "until you cancel it."),
    ])


async def privacy_command(update: Update, context: BotContext) -> None:
    t = context.t
    await reply(update, context, privacy_text(t),
                keyboard([[(t._("🗑 Forget me"), cb.ForgetOpen().encode())]]))


async def _ahead(context: BotContext, user_id: int) -> tuple[list[BookingRecord], list[TicketRecord]]:
    storage = context.services.storage
    bookings = await storage.bookings.list_upcoming(
        user_id, datetime.now(timezone.utc), states=("confirmed",))
    return bookings, await storage.tickets.list_for_owner(user_id)


async def ask(update: Update, context: BotContext, note: str | None = None, *,
              edit: bool = True) -> None:
    """The /forget screen, with a new nonce (any earlier screen's buttons go stale)."""
    user = update.effective_user
    assert user is not None and context.user_data is not None
    t = context.t
    bookings, tickets = await _ahead(context, user.id)
    flow = context.user_data[SCREEN] = cb.new_flow()
    lines = [note, ""] if note else []
    lines.append(t._(
        "Forget you? I will delete everything I keep about you: your language, linked "
        "profile and its keys, your bookings and queue tickets as I know them, reminders, "
        "watches, and where you are in any conversation. This cannot be undone."))
    rows: list[list[tuple[str, str]]] = []
    ahead = len(bookings) + len(tickets)
    if ahead:
        lines += ["", t.n_(
            "You have {n} upcoming booking or place in a queue. If you do not cancel it "
            "first, it stays booked at the business, with the details you gave for it, and "
            "I will no longer remind you of it.",
            "You have {n} upcoming bookings or places in queues. If you do not cancel them "
            "first, they stay booked at the businesses, with the details you gave for them, "
            "and I will no longer remind you of them.", ahead)]
        rows.append([(t.n_("Cancel my {n} upcoming booking first",
                           "Cancel my {n} upcoming bookings first", ahead),
                      cb.ForgetCancelFirst(user=user.id, flow=flow).encode())])
    rows.append([(t._("Yes, forget me"), cb.ForgetYes(user=user.id, flow=flow).encode()),
                 (t._("No"), cb.ForgetNo(user=user.id, flow=flow).encode())])
    await reply(update, context, "\n".join(lines), keyboard(rows), edit=edit)


async def forget_command(update: Update, context: BotContext) -> None:
    await ask(update, context, edit=False)


async def open_from_button(update: Update, context: BotContext, _: cb.ForgetOpen) -> None:
    await ask(update, context, edit=False)


def _current(context: BotContext, button: cb.ForgetButton) -> bool:
    data = context.user_data
    return data is not None and data.get(SCREEN) == button.flow


@answers_itself  # a stale screen's toast; the rest is answered for in time
async def on_cancel_first(update: Update, context: BotContext, button: cb.ForgetCancelFirst,
                          _: Whose | None) -> None:
    if not _current(context, button):
        await answer_stale(update, context)
        return
    user = update.effective_user
    assert user is not None
    t = context.t
    bookings, tickets = await _ahead(context, user.id)
    deadline = asyncio.get_running_loop().time() + CANCEL_FIRST_SECONDS
    outcomes = await asyncio.gather(*[_cancel(context, user, b, deadline) for b in bookings],
                                    *[_leave(context, k, deadline) for k in tickets])
    done, total = outcomes.count("done"), len(outcomes)
    note = t._("Cancelled at the businesses: {done} of {total}.", done=done, total=total)
    if "slow" in outcomes:
        note += " " + t._("The booking system is slow to answer right now, so the rest may "
                          "still be booked. Nothing was deleted here: please try again in a "
                          "moment.")
    elif done < total:
        note += " " + t._("The rest could not be cancelled from here now: they stay booked "
                          "unless you cancel them with the business.")
    await ask(update, context, note)


async def _cancel(context: BotContext, user: User, booking: BookingRecord, deadline: float) -> Outcome:
    services = context.services
    vendor = services.vendors.get(booking.vendor)
    if vendor is None or not vendor.can(Capability.CANCEL) or booking.external_id is None:
        return "failed"
    try:
        async with asyncio.timeout_at(deadline):
            await vendor.cancel(context.customer(user), vendor_booking(booking))
    except (VendorTimeout, TimeoutError):
        log.warning("vendor=%s booking %d: no answer to the cancel before forgetting",
                    booking.vendor, booking.id)
        return "slow"
    except VendorError as exc:
        log.warning("vendor=%s booking %d not cancelled before forgetting: %r",
                    booking.vendor, booking.id, exc)
        return "failed"
    await services.booking_changed(await services.storage.bookings.set_state(booking.id, "cancelled"))
    return "done"


async def _leave(context: BotContext, ticket: TicketRecord, deadline: float) -> Outcome:
    services = context.services
    vendor = services.vendors.queue(ticket.vendor)
    if vendor is None:
        return "failed"
    try:
        async with asyncio.timeout_at(deadline):  # a ticket already gone is no error (leave)
            await vendor.leave(Ticket(vendor=ticket.vendor, external_id=ticket.external_id,
                                      site_id=ticket.site_id, number=ticket.number, state=ticket.state))
    except (VendorTimeout, TimeoutError):
        log.warning("vendor=%s ticket %d: no answer to leaving before forgetting",
                    ticket.vendor, ticket.id)
        return "slow"
    except VendorError as exc:
        log.warning("vendor=%s ticket %d not left before forgetting: %r", ticket.vendor,
                    ticket.id, exc)
        return "failed"
    if services.queue_watcher is not None:
        await services.queue_watcher.ended(ticket, "left")
    else:
        await services.storage.tickets.set_state(ticket.id, "left")
    return "done"


@answers_itself  # a stale screen's toast; the rest is answered for in time
async def on_yes(update: Update, context: BotContext, button: cb.ForgetYes, _: Whose | None) -> None:
    if not _current(context, button):
        await answer_stale(update, context)
        return
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    t = context.t  # their language, before it is forgotten
    removed = await forget(context, user, chat.id)
    log.info("user=%s forgotten: %s", context.services.pseudonym(user.id),
             ", ".join(f"{name} {count}" for name, count in sorted(removed.items())) or "nothing")
    await reply(update, context, t._(
        "Done: I have forgotten you. Nothing about you is kept here any more; if you write "
        "to me again, we start afresh."))


@answers_itself  # a stale screen's toast; the rest is answered for in time
async def on_no(update: Update, context: BotContext, button: cb.ForgetNo, _: Whose | None) -> None:
    if not _current(context, button):
        await answer_stale(update, context)
        return
    assert context.user_data is not None
    context.user_data.pop(SCREEN, None)
    await reply(update, context, context.t._("OK, nothing was deleted."))


async def forget(context: BotContext, user: User, chat_id: int) -> dict[str, int]:
    """Everything the bot keeps about ``user``, stored and in memory; rows removed per table."""
    services = context.services
    customer = services.customer(user, context.language)
    for vendor in services.vendors:
        try:
            await vendor.forget_customer(customer)
        except VendorError as exc:  # what it keeps in our tables goes below all the same
            log.warning("vendor=%s could not forget a customer: %r", vendor.name, exc)
    if services.space_watcher is not None:
        await services.space_watcher.forget_user(user.id)
    removed = await services.storage.forget_user(user.id, customer.pseudonym)
    application = context.application
    end_conversations(application, chat_id, user.id)
    application.drop_user_data(user.id)
    application.drop_chat_data(chat_id)
    return removed


def end_conversations(application: Application, chat_id: int, user_id: int) -> int:  # type: ignore[type-arg]
    """End every conversation state keyed by this chat or user; how many ended.

    python-telegram-bot has no public call for it: each ConversationHandler keeps
    its states in ``_conversations`` and ends one with ``_update_state(END, key)``,
    which also has the next persistence write delete its row.
    """
    ended = 0
    for handlers in application.handlers.values():
        for handler in handlers:
            if not isinstance(handler, ConversationHandler):
                continue
            for key in list(handler._conversations):  # noqa: SLF001 - see above
                if chat_id in key or user_id in key:
                    handler._update_state(ConversationHandler.END, key)  # noqa: SLF001
                    ended += 1
    return ended


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("privacy", privacy_command))
    application.add_handler(CommandHandler("forget", forget_command))
    application.add_handler(ButtonHandler(cb.ForgetOpen, open_from_button))
    # Narrow: each handler takes only its own decoded kind; whatever else is pressed
    # (garbage, other features' buttons) goes on to the stale-button catch-all.
    application.add_handler(ButtonHandler(cb.ForgetCancelFirst, for_owner(_whose, on_cancel_first)))
    application.add_handler(ButtonHandler(cb.ForgetYes, for_owner(_whose, on_yes)))
    application.add_handler(ButtonHandler(cb.ForgetNo, for_owner(_whose, on_no)))
