"""Moving a booking to another time, for vendors that declare Capability.RESCHEDULE.

/my shows "🔁 Move #n" only for such vendors. The button enters the booking
conversation with the draft seeded from the stored booking (vendor, site,
service) and marked as a move, so choosing the new time is the booking
flow's own day and slot steps, buttons and free text ("tomorrow at 11")
alike. The chosen slot leads to a summary of the move instead of the details
(the vendor has them already); Confirm asks the vendor to move the booking,
updates the stored booking and sends a fresh receipt and .ics.

Confirm is safe to repeat: the summary's key is written on the booking with
the move, so a second tap finds the move done; a retry after the vendor's
answer was lost finds the booking already at the new time.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ConversationHandler

from bot.conversations.booking import steps, views
from bot.conversations.booking.draft import Draft
from bot.conversations.booking.records import vendor_booking, when_of
from bot.conversations.booking.states import QUIT, Step
from bot.conversations.booking.submit import send_receipt
from bot.runtime import BotContext
from bot.storage import BookingRecord
from bot.ui import keyboard, reply
from bot.ui.errors import user_message
from bot.vendors import (
    Booking,
    BookingRole,
    Capability,
    Customer,
    Slot,
    SlotUnavailable,
    VendorError,
)

log = logging.getLogger(__name__)
END = ConversationHandler.END
MOVING = "move"  # in the draft: the id of the stored booking being moved


class _CannotMove(Exception):
    """The vendor cannot move this booking (any more)."""


def moving(context: BotContext) -> int | None:
    """The stored booking this conversation moves; None when it books anew."""
    value = (context.user_data or {}).get(Draft.KEY, {}).get(MOVING)
    return int(value) if value is not None else None


async def _own(context: BotContext, update: Update, booking_id: int) -> BookingRecord | None:
    """The user's booking ``booking_id`` while it is confirmed, else None."""
    assert update.effective_user is not None
    booking = await context.services.storage.bookings.get(booking_id)
    if booking is None or booking.owner != update.effective_user.id or booking.state != "confirmed":
        return None
    return booking


async def start_move(update: Update, context: BotContext) -> object:
    """The "🔁 Move" button of /my: the day step for the booking's own site and service."""
    assert update.callback_query and update.callback_query.data and update.effective_user
    t = context.t
    record = await _own(context, update, int(update.callback_query.data.rsplit(":", 1)[1]))
    if record is None:
        await reply(update, context, t._("That booking is no longer active."), edit=False)
        return END
    vendor = context.services.vendors.get(record.vendor)
    customer = context.customer(update.effective_user)
    try:
        if vendor is None or not vendor.can(Capability.RESCHEDULE) or not record.external_id:
            raise _CannotMove(record.vendor)
        site = await vendor.get_site(customer, record.site_id)
        services = await vendor.list_services(customer, record.site_id)
        service = next((s for s in services if s.id == record.service_id), None)
        if service is None:
            raise _CannotMove(record.service_id)
        draft = Draft.of(context.user_data, new=True)
        draft.vendor, draft.site, draft.service = vendor.name, site, service
        draft.data[MOVING] = record.id
        return await steps.show_days(update, context)
    except _CannotMove:
        text = t._("This booking cannot be moved here. Please contact the business.")
    except VendorError as exc:
        log.warning("move of booking %s failed to start: %r", record.id, exc)
        text = user_message(exc, t)
    Draft.clear(context.user_data)
    await reply(update, context, text, edit=False)
    return END


async def show_summary(update: Update, context: BotContext) -> Step:
    """What will change, with Confirm; shown instead of the details for a move."""
    draft = Draft.of(context.user_data)
    vendor = steps.vendor_of(context, draft)
    booking_id = moving(context)
    record = await context.services.storage.bookings.get(booking_id or 0)
    site, service, slot = draft.site, draft.service, draft.slot
    assert site is not None and service is not None and slot is not None
    t = context.t
    lines = [
        t._("Move your booking to the new time?"),
        "",
        f"🏢 {site.name}",
        f"🛎 {views.service_label(service, t, vendor.capabilities)}",
    ]
    if record is not None:
        lines.append(f"🕒 {when_of(t, record)}")
    lines.append(f"➡️ {views.when_text(t, site, slot)}")
    rows = [
        [(t._("✅ Confirm"), f"bk:mv:{booking_id}:{draft.new_key()}")],
        [(t._("✏️ Change"), "bk:change"), (t._("✖ Cancel"), QUIT)],
    ]
    await reply(update, context, "\n".join(lines), keyboard(rows), edit=False)
    return Step.CONFIRM


async def on_confirm(update: Update, context: BotContext) -> object:
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    _, _, booking_id, key = query.data.split(":", 3)
    draft = Draft.of(context.user_data)
    if draft.key != key or moving(context) != int(booking_id):
        return await on_stale(update, context)
    t = context.t
    record = await _own(context, update, int(booking_id))
    if record is None:
        Draft.clear(context.user_data)
        await reply(update, context, t._("That booking is no longer active."), edit=False)
        return END
    slot = draft.slot
    assert slot is not None
    await query.answer()
    try:
        moved = await _move(steps.vendor_of(context, draft), context.customer(update.effective_user),
                            record, slot)
    except SlotUnavailable as exc:
        await reply(update, context, user_message(exc, t), edit=False)
        return await steps.show_slots(update, context, edit=False)
    except VendorError as exc:
        await reply(update, context, user_message(exc, t), edit=False)
        return Step.CONFIRM
    stored = await context.services.storage.bookings.reschedule(
        record.id, start_utc=moved.start, end_utc=moved.end, external_id=moved.external_id or None,
        details={"moved_by": key, "sequence": int(record.details.get("sequence", 0)) + 1},
    )
    Draft.clear(context.user_data)
    try:
        await query.edit_message_reply_markup(None)
    except Exception:  # noqa: BLE001 - removing buttons is cosmetic
        pass
    await send_receipt(context.bot, update.effective_chat.id, context.t, stored, moved=True)  # type: ignore[union-attr]
    return END


async def _move(vendor: BookingRole, customer: Customer, record: BookingRecord, slot: Slot) -> Booking:
    """Move at the vendor; a repeat whose first answer was lost finds it moved."""
    try:
        return await vendor.reschedule(customer, vendor_booking(record), slot)
    except SlotUnavailable:
        try:
            listed = await vendor.list_bookings(customer)
        except VendorError:
            listed = []
        for booking in listed:
            if (booking.external_id == record.external_id and booking.start == slot.start
                    and booking.state == "confirmed"):
                return booking
        raise


async def on_stale(update: Update, context: BotContext) -> object:
    """A Confirm from a move summary that is no longer current: never moves."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user is not None
    _, _, booking_id, key = query.data.split(":", 3)
    await query.answer()
    record = await _own(context, update, int(booking_id))
    if record is not None and record.details.get("moved_by") == key:
        text = context.t._("This booking is already confirmed. See /my.")
    else:
        text = context.t._("This summary is no longer valid. See /my.")
    await reply(update, context, text, edit=False)
    return END


async def keep(update: Update, context: BotContext) -> object:
    """Leaving a move: the booking stays as it was."""
    Draft.clear(context.user_data)
    await reply(update, context, context.t._("OK, your booking stays as it is."))
    return END
