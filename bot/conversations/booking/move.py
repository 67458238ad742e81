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
from bot.conversations.booking.records import stored_booking, vendor_booking, when_of
from bot.conversations.booking.states import Step
from bot.conversations.booking.submit import new_key, send_receipt
from bot.runtime import BotContext
from bot.storage import BookingRecord
from bot.ui import callbacks as cb
from bot.ui import keyboard, reply
from bot.ui.answers import answer, answers_itself
from bot.ui.buttons import answer_stale, for_owner
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


def _active(record: BookingRecord | None) -> BookingRecord | None:
    return record if record is not None and record.state == "confirmed" else None


async def _start_move(
    update: Update, context: BotContext, _: cb.MoveBooking, found: BookingRecord | None
) -> object:
    """The "🔁 Move" button of /my: the day step for the booking's own site and service.

    A booking that is gone (or someone else's, see ``for_owner``) changes
    nothing: a flow the user is in goes on (``None`` keeps the conversation
    where it was).
    """
    assert update.effective_user
    t = context.t
    record = _active(found)
    if record is None:
        await reply(update, context, t._("That booking is no longer active."), edit=False)
        return None
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
    booking_id, user = moving(context), update.effective_user
    assert user is not None and booking_id is not None
    record = await context.services.storage.bookings.get(booking_id)
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
        [(t._("✅ Confirm"), cb.ConfirmMove(booking=booking_id, key=new_key(context, draft, user.id)).encode())],
        views.change_row(t, draft.flow),
    ]
    await reply(update, context, "\n".join(lines), keyboard(rows), edit=False)
    return Step.CONFIRM


@answers_itself
async def _on_confirm(
    update: Update, context: BotContext, button: cb.ConfirmMove, found: BookingRecord | None
) -> object:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    key = button.key
    draft = Draft.of(context.user_data)
    if draft.key != key or moving(context) != button.booking:
        await _on_stale(update, context, button, found)
        return None  # an older summary: this run's own summary stays valid
    t = context.t
    record = _active(found)
    if record is None:
        Draft.clear(context.user_data)
        await reply(update, context, t._("That booking is no longer active."), edit=False)
        return END
    slot = draft.slot
    assert slot is not None
    await answer(update)  # before the vendor is asked
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
    await context.services.booking_changed(stored)
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


@answers_itself
async def _on_stale(
    update: Update, context: BotContext, button: cb.ConfirmMove, found: BookingRecord | None
) -> object:
    """A Confirm from a move summary that is no longer current: never moves."""
    record = _active(found)
    if record is not None and record.details.get("moved_by") == button.key:
        text = context.t._("This booking is already confirmed. See /my.")
    elif Draft.flow_of(context.user_data) is not None:
        await answer_stale(update, context)  # a flow still going on: it stays as it is
        return None
    else:
        text = context.t._("This summary is no longer valid. See /my.")
    await reply(update, context, text, edit=False)
    return END


# Each gets the stored booking the button names, once it is known to be the presser's.
start_move = for_owner(stored_booking, _start_move)
on_confirm = for_owner(stored_booking, _on_confirm)
on_stale = for_owner(stored_booking, _on_stale)

async def keep(update: Update, context: BotContext, *_: object) -> object:
    """Leaving a move: the booking stays as it was."""
    Draft.clear(context.user_data)
    await reply(update, context, context.t._("OK, your booking stays as it is."))
    return END
