"""What the chat shows of a stored booking, and the vendor-neutral booking it stands for.

Public to the rest of the chat (``/my`` lists and cancels stored bookings
with them), through :mod:`bot.conversations.booking`.
"""

from __future__ import annotations

from bot.i18n import Translator, format_datetime, format_time
from bot.runtime import BotContext
from bot.storage import BookingRecord
from bot.ui import callbacks as cb
from bot.vendors import Booking, Money


def when_of(t: Translator, booking: BookingRecord) -> str:
    text = format_datetime(booking.start_utc, booking.timezone, t.locale)
    if booking.end_utc is not None:
        text += " – " + format_time(booking.end_utc, booking.timezone, t.locale)
    return text


def price_of(booking: BookingRecord) -> Money | None:
    return Money.model_validate_json(booking.price) if booking.price else None


def vendor_booking(record: BookingRecord) -> Booking:
    """A stored booking as the vendor-neutral booking a vendor call takes."""
    return Booking(
        vendor=record.vendor,
        external_id=record.external_id or "",
        label=record.label,
        site_id=record.site_id,
        site_name=record.site_name,
        service_id=record.service_id,
        service_name=record.service_name,
        start=record.start_utc,
        end=record.end_utc,
        timezone=record.timezone,
    )



async def stored_booking(context: BotContext, button: cb.BookingRef) -> BookingRecord | None:
    """The stored booking a button names (see bot.ui.buttons.for_owner)."""
    return await context.services.storage.bookings.get(button.booking)
