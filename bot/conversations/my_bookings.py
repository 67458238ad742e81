"""/my and cancelling: everything the user booked, across every vendor.

Below the bookings, /my lists the user's visiting appointments where the
configuration maps them to a visitor (:mod:`.my_visits`; read-only).

The list comes from our own store (fast, works while a vendor is down) after
reconciling it with each vendor's list, so a booking cancelled at the desk
or made elsewhere with the same identity shows up right.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.conversations.booking import stored_booking, vendor_booking, when_of
from bot.conversations.my_visits import visit_lines
from bot.runtime import BotContext
from bot.storage import BookingDraftRecord, BookingRecord
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply
from bot.ui.buttons import ButtonHandler, for_owner
from bot.ui.errors import user_message
from bot.vendors import Booking, Capability, Customer, VendorError

log = logging.getLogger(__name__)


async def reconcile(context: BotContext, customer: Customer) -> None:
    """Bring the store in line with each vendor; a vendor that fails is skipped."""
    repo = context.services.storage.bookings
    now = datetime.now(timezone.utc)
    local = await repo.list_upcoming(customer.telegram_id, now)
    for vendor in context.services.vendors:
        try:
            remote = await vendor.list_bookings(customer)
        except VendorError as exc:
            log.warning("vendor=%s reconcile skipped: %r", vendor.name, exc)
            continue
        seen = set()
        for booking in remote:
            seen.add(booking.external_id)
            stored = await repo.upsert_from_vendor(
                _draft(booking, customer), external_id=booking.external_id,
                state="cancelled" if booking.state == "cancelled" else "confirmed",
            )
            await context.services.booking_changed(stored)
        for record in local:
            if record.vendor == vendor.name and record.state == "confirmed" and record.external_id not in seen:
                await context.services.booking_changed(await repo.set_state(record.id, "cancelled"))


def _draft(booking: Booking, customer: Customer) -> BookingDraftRecord:
    return BookingDraftRecord(
        vendor=booking.vendor,
        owner=customer.telegram_id,
        site_id=booking.site_id,
        site_name=booking.site_name or booking.site_id,
        service_id=booking.service_id or "",
        service_name=booking.service_name or "",
        start_utc=booking.start,
        end_utc=booking.end,
        timezone=booking.timezone,
        label=booking.label,
        price=booking.price.model_dump_json() if booking.price else None,
    )


def _line(context: BotContext, booking: BookingRecord) -> str:
    code = f" · {booking.label}" if booking.label else ""
    return f"• {when_of(context.t, booking)}\n  {booking.service_name} – {booking.site_name}{code}"


async def show_my(update: Update, context: BotContext, *, cancel_only: bool = False) -> None:
    t = context.t
    customer = context.customer(update.effective_user)  # type: ignore[arg-type]
    await reconcile(context, customer)
    bookings = [
        b for b in await context.services.storage.bookings.list_upcoming(
            customer.telegram_id, datetime.now(timezone.utc), states=("confirmed",)
        )
    ]
    rows: list[list[tuple[str, str]]] = []
    for number, booking in enumerate(bookings, start=1):
        vendor = context.services.vendors.get(booking.vendor)
        row = []
        if vendor is not None and vendor.can(Capability.CANCEL):
            row.append((t._("✖ Cancel #{n}", n=number), cb.CancelBooking(booking=booking.id).encode()))
        if not cancel_only and vendor is not None and vendor.can(Capability.RESCHEDULE):
            row.append((t._("🔁 Move #{n}", n=number), cb.MoveBooking(booking=booking.id).encode()))
        if row:
            rows.append(row)
    visits = [] if cancel_only else await visit_lines(context, customer.telegram_id)
    visit_block = [t._("Your upcoming visits:"), *visits] if visits else []
    if not bookings:
        text = t._("You have no upcoming bookings. Book one with /book.")
        await reply(update, context, "\n\n".join([text, "\n".join(visit_block)]) if visits else text)
        return
    title = t._("Which booking do you want to cancel?") if cancel_only else t._("Your upcoming bookings:")
    lines = [title] + [f"{n}. {_line(context, b)[2:]}" for n, b in enumerate(bookings, start=1)]
    if visit_block:
        lines += ["", *visit_block]
    await reply(update, context, "\n".join(lines), keyboard(rows) if rows else None)


async def my_command(update: Update, context: BotContext) -> None:
    await show_my(update, context)


async def cancel_command(update: Update, context: BotContext) -> None:
    await show_my(update, context, cancel_only=True)


async def ask_cancel(update: Update, context: BotContext, _: cb.CancelBooking, booking: BookingRecord | None) -> None:
    t = context.t
    if booking is None or booking.state != "confirmed":
        await reply(update, context, t._("That booking is no longer active."), edit=False)
        return
    markup = keyboard([[
        (t._("Yes, cancel it"), cb.CancelBookingYes(booking=booking.id).encode()),
        (t._("No, keep it"), cb.KeepBooking().encode()),
    ]])
    await reply(update, context, t._("Cancel this booking?") + "\n" + _line(context, booking), markup, edit=False)


async def do_cancel(
    update: Update, context: BotContext, _: cb.CancelBookingYes, booking: BookingRecord | None
) -> None:
    t = context.t
    if booking is None or booking.state != "confirmed":
        await reply(update, context, t._("That booking is no longer active."))
        return
    vendor = context.services.vendors.get(booking.vendor)
    if vendor is None or not vendor.can(Capability.CANCEL) or booking.external_id is None:
        await reply(update, context, t._("This booking cannot be cancelled here. Please contact the business."))
        return
    try:
        await vendor.cancel(context.customer(update.effective_user), vendor_booking(booking))  # type: ignore[arg-type]
    except VendorError as exc:
        await reply(update, context, user_message(exc, t))
        return
    cancelled = await context.services.storage.bookings.set_state(booking.id, "cancelled")
    await context.services.booking_changed(cancelled)
    await reply(update, context, t._("Cancelled: {booking}", booking=_line(context, booking)[2:]))


async def keep(update: Update, context: BotContext, _: cb.KeepBooking) -> None:
    await reply(update, context, context.t._("OK, your booking stays as it is."))


def register(application: Application) -> None:  # type: ignore[type-arg]
    application.add_handler(CommandHandler("my", my_command))
    application.add_handler(CommandHandler("cancel", cancel_command))
    # Each button names a stored booking; only its owner's presses reach the handler.
    application.add_handler(ButtonHandler(cb.CancelBooking, for_owner(stored_booking, ask_cancel)))
    application.add_handler(ButtonHandler(cb.CancelBookingYes, for_owner(stored_booking, do_cancel)))
    application.add_handler(ButtonHandler(cb.KeepBooking, keep))
