"""The summary, the idempotent Confirm, and the receipt.

Confirm must never book twice: not on a double tap, a retried update, or a
restart in the middle of the vendor call. The idempotency key is fixed when
the summary is shown and travels in the Confirm button; the booking row is
claimed under that key *before* the vendor is called, so a repeat finds it.
A claim left ``pending`` by a crash is first looked for at the vendor
(:meth:`BookingRole.find_claimed`) before anything is submitted again.

Exactly one receipt per booking: only the call that moves a claim from
``pending`` to ``confirmed`` sends it. A tap on Confirm and the recovery run
after a restart (:mod:`.recovery`) may race for the same claim, so both settle
it under :func:`~bot.ui.settling.settling`, and whoever finds it confirmed already gets
:class:`AlreadyConfirmed` instead. The claim remembers the summary message
(``details["summary"]``), so recovery can take its buttons away.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from telegram import Bot, InputFile, Update

from bot.conversations.booking import views
from bot.conversations.booking.draft import Draft
from bot.conversations.booking.records import price_of, when_of
from bot.conversations.booking.states import Step
from bot.conversations.booking.steps import vendor_of
from bot.conversations.calendar_file import ics_event
from bot.i18n import Translator, format_money
from bot.runtime import BotContext
from bot.storage import BookingDraftRecord, BookingRecord, BookingRepo
from bot.ui import best_effort, keyboard, reply
from bot.ui import callbacks as cb
from bot.ui.settling import settling
from bot.ui.limits import fit
from bot.vendors import (
    Booking,
    BookingClaim,
    BookingDraft,
    BookingRole,
    Customer,
    InputRejected,
    ServiceUnavailable,
    VendorError,
)

log = logging.getLogger(__name__)


class StaleSummary(Exception):
    """A Confirm button from a summary that is no longer the current one."""


class AlreadyConfirmed(Exception):
    """The claim was confirmed before (its receipt went out then): nothing to send."""

    def __init__(self, booking: BookingRecord) -> None:
        super().__init__(booking.idempotency_key)
        self.booking = booking


class NotYours(Exception):
    """A Confirm carrying a key given to another user (copied or forged)."""


def _signature(context: BotContext, user_id: int, token: str) -> str:
    secret = context.services.settings.bot_secret_key.get_secret_value().encode()
    return hmac.new(secret, f"summary:{user_id}:{token}".encode(), hashlib.sha256).hexdigest()[:8]


def new_key(context: BotContext, draft: Draft, user_id: int) -> str:
    """A fresh idempotency key for a summary: 8 random hex digits, then 8 of
    their signature for ``user_id``, so whose key a Confirm carries is known
    without storing every key shown."""
    token = secrets.token_hex(4)
    return draft.set_key(token + _signature(context, user_id, token))


def issued_to(context: BotContext, user_id: int, key: str, claim: BookingRecord | None) -> bool:
    """Whether ``key`` was given to ``user_id``: the claim's owner once claimed, else the signature."""
    if claim is not None:
        return claim.owner == user_id
    return hmac.compare_digest(key[8:], _signature(context, user_id, key[:8]))


async def show_summary(update: Update, context: BotContext) -> Step:
    draft = Draft.of(context.user_data)
    vendor = vendor_of(context, draft)
    assert update.effective_user is not None
    new_key(context, draft, update.effective_user.id)
    labels = {field.id: field.label for field in draft.fields}
    text, markup = views.summary(context.t, draft.flow, draft.to_booking_draft(), labels, vendor.capabilities)
    await reply(update, context, text, markup, edit=False)
    return Step.CONFIRM


async def submit(
    context: BotContext, customer: Customer, key: str, summary: tuple[int, int] | None = None
) -> BookingRecord:
    """Book once per key; :class:`AlreadyConfirmed` when an earlier call did.

    ``summary`` (chat id, message id) is the summary the Confirm was pressed on.
    """
    async with settling(key):
        record = await _submit(context, customer, key, summary)
    await context.services.booking_changed(record)  # reminders, the vendor's calls
    return record


async def _submit(
    context: BotContext, customer: Customer, key: str, summary: tuple[int, int] | None
) -> BookingRecord:
    repo = context.services.storage.bookings
    existing = await repo.get_by_key(key)
    if existing is not None and existing.owner != customer.telegram_id:
        raise NotYours(key)  # never someone else's booking, whatever the key
    if existing is not None and existing.state == "confirmed":
        raise AlreadyConfirmed(existing)
    draft = Draft.of(context.user_data)
    if draft.key != key:
        raise StaleSummary(key)
    vendor = vendor_of(context, draft)
    wanted = draft.to_booking_draft()
    record, created = await repo.claim(key, _stored_draft(vendor, customer, wanted, summary))
    if record.state == "failed":
        raise StaleSummary(key)
    if not created:
        found = await find_at_vendor(vendor, customer, record)
        if found is not None:
            return await confirm_found(context.services.storage.bookings, key, found)
    try:
        booking = await vendor.book(customer, wanted)
    except ServiceUnavailable:
        raise  # the vendor may have booked: stay pending, a retry looks first
    except VendorError as exc:
        await repo.fail(key, type(exc).__name__)
        raise
    return await confirm_found(context.services.storage.bookings, key, booking)


async def confirm_found(repo: BookingRepo, key: str, booking: Booking) -> BookingRecord:
    """Record the vendor's booking on the claim made under ``key``."""
    return await repo.confirm(
        key,
        external_id=booking.external_id,
        label=booking.label,
        start_utc=booking.start,
        end_utc=booking.end,
        price=booking.price.model_dump_json() if booking.price else None,
    )


async def find_at_vendor(
    vendor: BookingRole, customer: Customer, claim: BookingRecord
) -> Booking | None:
    """The vendor's booking made under a claim whose answer we never got, if any."""
    assert claim.idempotency_key is not None
    return await vendor.find_claimed(customer, BookingClaim(
        key=claim.idempotency_key, site_id=claim.site_id, service_id=claim.service_id,
        start=claim.start_utc,
    ))


async def retire_summary(bot: Bot, claim: BookingRecord) -> None:
    """Take the buttons off the summary a claim was confirmed from, when known."""
    where = claim.details.get("summary")
    if isinstance(where, list) and len(where) == 2:
        await best_effort(bot.edit_message_reply_markup(where[0], where[1], reply_markup=None))


def _stored_draft(
    vendor: BookingRole, customer: Customer, wanted: BookingDraft, summary: tuple[int, int] | None
) -> BookingDraftRecord:
    details: dict[str, object] = {"address": wanted.site.address} if wanted.site.address else {}
    if summary is not None:
        details["summary"] = list(summary)
    return BookingDraftRecord(
        vendor=vendor.name,
        owner=customer.telegram_id,
        site_id=wanted.site.id,
        site_name=wanted.site.name,
        service_id=wanted.service.id,
        service_name=wanted.service.name,
        start_utc=wanted.slot.start,
        end_utc=wanted.slot.end,
        timezone=wanted.site.timezone,
        price=wanted.service.price.model_dump_json() if wanted.service.price else None,
        details=details,
    )


async def send_receipt(
    bot: Bot, chat_id: int, t: Translator, booking: BookingRecord, *, moved: bool = False
) -> None:
    """The receipt and its calendar file; also sent by recovery after a crash."""
    lines = [t._("✅ Your booking has been moved!") if moved else t._("✅ You are booked!")]
    if booking.label:
        lines.append(t._("Your code: {label}", label=booking.label))
    lines += [f"🏢 {booking.site_name}", f"🛎 {booking.service_name}", f"🕒 {when_of(t, booking)}"]
    price = price_of(booking)
    if price:
        lines.append(f"💶 {format_money(price, t.locale)}")
    lines.append(t._("See all your bookings with /my."))
    markup = keyboard([[(t._("Cancel this booking"), cb.CancelBooking(booking=booking.id).encode())]])
    await bot.send_message(chat_id, fit("\n".join(lines)), reply_markup=markup)
    calendar = ics_event(
        uid=f"{booking.vendor}-{booking.external_id}@booking-bot",
        summary=f"{booking.service_name} – {booking.site_name}",
        start=booking.start_utc,
        end=booking.end_utc,
        location=booking.details.get("address") or booking.site_name,
        description=booking.label,
        sequence=int(booking.details.get("sequence", 0)),  # > 0 once moved: calendars update
    )
    await best_effort(
        bot.send_document(
            chat_id, InputFile(calendar, filename="booking.ics"), caption=t._("Add it to your calendar")
        )
    )


def field_for(error: InputRejected, context: BotContext) -> int | None:
    """Which detail the vendor refused, to ask it again."""
    if error.field is None:
        return None
    for index, field in enumerate(Draft.of(context.user_data).fields):
        if field.id == error.field:
            return index
    return None
