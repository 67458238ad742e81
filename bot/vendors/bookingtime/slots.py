"""bookingtime's slots as bookable slots, and its appointments as bookings.

Days and slots come from ``listMonth`` and ``listDay``, filtered again here
by the template's rules: nothing before ``bookingLeadTime`` minutes from
now, nothing outside ``bookingDayEarliest``..``bookingDayLatest`` days from
today (both in the organization's timezone); slots with the same start
(other resource combinations) are offered once; a slot ends ``duration``
minutes after it starts. Pure functions of what the vendor answered and the
time, so the adapter's calls stay few and these rules are tested alone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.vendors._zones import in_zone
from bot.vendors.bookingtime.client import VENDOR
from bot.vendors.bookingtime.models import Appointment, BookingTemplate, SlotRange
from bot.vendors.errors import ServiceUnavailable
from bot.vendors.roles.base import Money
from bot.vendors.roles.booking import Booking, Slot, VendorBookingState


def window(template: BookingTemplate, zone: ZoneInfo, now: datetime
           ) -> tuple[datetime, date, date | None]:
    """The earliest bookable instant, and the first and last bookable days."""
    local = now.astimezone(zone)
    not_before = local + timedelta(minutes=max(template.booking_lead_time, 0))
    first = local.date() + timedelta(days=max(template.booking_day_earliest, 0))
    last = (local.date() + timedelta(days=template.booking_day_latest)
            if template.booking_day_latest is not None else None)
    return not_before, first, last


def bookable(slots: SlotRange, template: BookingTemplate, zone: ZoneInfo,
             now: datetime) -> list[Slot]:
    """The slots the template's rules allow now, one per start, in order."""
    not_before, first, last = window(template, zone, now)
    length = timedelta(minutes=template.duration) if template.duration else None
    offered: dict[datetime, Slot] = {}
    for slot in slots.slots:
        start = in_zone(slot.timestamp, zone)
        if start < not_before or start.date() < first or (last and start.date() > last):
            continue
        if start not in offered:
            offered[start] = Slot(id=slot.id, start=start, end=start + length if length else None)
    return sorted(offered.values(), key=lambda s: s.start)


def to_booking(
    appointment: Appointment, org: str, template: BookingTemplate | None, zone: ZoneInfo,
    language: str, now: datetime, *, site_name: str | None, start: datetime | None = None,
) -> Booking:
    """An appointment as a booking; ``start`` stands in when the vendor sent none."""
    if appointment.start is not None:
        start = in_zone(appointment.start, zone)
    if start is None:
        raise ServiceUnavailable("appointment without a start", vendor=VENDOR)
    start = start.astimezone(zone)
    minutes = appointment.duration or (template.duration if template else None)
    end = (in_zone(appointment.end, zone) if appointment.end is not None
           else start + timedelta(minutes=minutes) if minutes else None)
    price = template.shown_price() if template else None
    state: VendorBookingState = "cancelled"
    if not appointment.is_cancelled:
        state = "done" if (end or start) <= now else "confirmed"
    return Booking(
        vendor=VENDOR,
        external_id=appointment.id,
        site_id=org,
        site_name=site_name,
        service_id=template.id if template else appointment.booking_template_id,
        service_name=template.localized_name(language) if template else appointment.name,
        start=start,
        end=end,
        timezone=zone.key,
        state=state,
        price=Money(amount=price[0], currency=price[1]) if price else None,
    )
