"""bookingtime playing the booking role (:class:`~bot.vendors.roles.booking.BookingRole`).

* sites are the configured organizations, one each; the site id is the
  organization id. The name, address and coordinates come from the
  organization's template address (the first template whose ``location`` is
  ``ORGANIZATION_ADDRESS``, else the first with an address); the timezone is
  the ``timeZone`` bookingtime reports on the organization's slot lists
  (learned once with a ``bookingSlot/earliest`` call), else guessed from the
  address country, else Europe/Berlin;
* services are the organization's booking templates: the name and
  description in the customer's language from ``nameI18nList``, the duration,
  and the gross price unless ``showPrice`` is false;
* days and slots come from ``listMonth`` and ``listDay``, filtered again here
  by the template's rules: nothing before ``bookingLeadTime`` minutes from
  now, nothing outside ``bookingDayEarliest``..``bookingDayLatest`` days from
  today; slots with the same start (other resource combinations) are offered
  once; a slot ends ``duration`` minutes after it starts;
* details are first and last name always, then e-mail, mobile phone, the
  customer's address and the appointment's address as the template requires.
  Addresses are asked as one line (``street, postcode city``) and sent as an
  ADDRESS object.

The Module API cannot list a customer's appointments, so the adapter keeps,
per customer pseudonym, the appointments it booked in an
:class:`~bot.vendors.bookingtime.index.AppointmentIndex` and shows each of
them with ``appointment/{id}/show``. With ``VendorDeps.refs`` the index is in
the bot's database and survives restarts; without it, it lives in memory and
after a restart cannot say what a customer booked before:
:meth:`BookingtimeVendor.list_bookings` then raises :class:`ServiceUnavailable` rather
than answer "nothing", which would make the caller believe those bookings
were cancelled.

Templates are cached for :data:`STRUCTURE_TTL` seconds per organization and
locale, with one fetch shared by concurrent callers; slots are always fetched
fresh.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

from bot.vendors._tokens import utcnow
from bot.vendors.bookingtime.client import VENDOR, BookingtimeClient
from bot.vendors.bookingtime.config import Settings
from bot.vendors.bookingtime.details import (
    DETAIL_OF,
    LABELS,
    PLACEHOLDERS,
    address_object,
)
from bot.vendors.bookingtime.index import (
    AppointmentIndex,
    AppointmentRef,
    MemoryAppointmentIndex,
    StoredAppointmentIndex,
)
from bot.vendors.bookingtime.models import (
    Address,
    Appointment,
    BookingTemplate,
    CustomerData,
    SlotRange,
)
from bot.vendors.errors import InputRejected, NotFound, ServiceUnavailable, VendorError
from bot.vendors.roles.base import Capability, Customer, Money
from bot.vendors.roles.booking import (
    Booking,
    BookingDraft,
    BookingRole,
    DetailField,
    DetailKind,
    Slot,
)
from bot.vendors.roles.catalogue import Service, Site

if TYPE_CHECKING:
    from bot.vendors.registry import VendorDeps

log = logging.getLogger(__name__)

STRUCTURE_TTL = 60.0  # seconds templates are reused
FALLBACK_ZONE = "Europe/Berlin"
_REMEMBERED = 1000  # idempotency keys kept in memory

T = TypeVar("T")


# -- small helpers ----------------------------------------------------------


def _language(customer: Customer) -> str:
    return (customer.language or "en").replace("_", "-").split("-")[0].lower()


def _zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _country_zone(country: str | None) -> str | None:
    zones = get_global("territory_zones").get((country or "").upper()) or []
    return zones[0] if zones else None


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """An instant in ``zone``; a timestamp without offset is read as local time there."""
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _site_address(templates: list[BookingTemplate]) -> Address | None:
    with_address = [t for t in templates if t.address is not None]
    own = [t for t in with_address if (t.location or "").upper() == "ORGANIZATION_ADDRESS"]
    chosen = (own or with_address or [None])[0]
    return chosen.address if chosen else None


class BookingtimeVendor(BookingRole):
    name = VENDOR
    capabilities = frozenset({
        Capability.CANCEL, Capability.RESCHEDULE, Capability.PRICES,
        Capability.DURATION, Capability.COORDINATES,
    })

    def __init__(
        self,
        settings: Settings,
        deps: VendorDeps,
        *,
        now: Callable[[], datetime] = utcnow,
        index: AppointmentIndex | None = None,
    ) -> None:
        self.settings = settings
        self.client = BookingtimeClient(settings, deps, now)
        if index is None:
            index = (StoredAppointmentIndex(deps.refs) if deps.refs is not None
                     else MemoryAppointmentIndex())
        self.index: AppointmentIndex = index
        self._now = now
        self._memo: dict[Any, tuple[float, Any]] = {}
        self._memo_locks: dict[Any, asyncio.Lock] = {}
        self._zones: dict[str, str] = {}  # organization -> IANA zone reported by bookingtime
        self._booked: dict[str, Booking] = {}  # idempotency key -> booking, this process

    @property
    def title(self) -> str:
        return "bookingtime"

    # -- cached structure -------------------------------------------------

    async def _memoized(self, key: Any, ttl: float, load: Callable[[], Awaitable[T]]) -> T:
        """``load()``'s value for ``ttl`` seconds; concurrent callers share one load."""
        entry = self._memo.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]  # type: ignore[no-any-return]
        lock = self._memo_locks.setdefault(key, asyncio.Lock())
        async with lock:
            entry = self._memo.get(key)
            if entry is not None and entry[0] > time.monotonic():
                return entry[1]  # type: ignore[no-any-return]
            value = await load()
            self._memo[key] = (time.monotonic() + ttl, value)
            return value

    def _organization(self, site_id: str) -> str:
        if site_id not in self.settings.organization_ids:
            raise NotFound(f"site {site_id}", vendor=VENDOR)
        return site_id

    def _locale(self, customer: Customer) -> str:
        return self.client.locale_for(customer.language)

    async def _templates(self, customer: Customer, org: str) -> list[BookingTemplate]:
        locale = self._locale(customer)
        return await self._memoized(
            ("templates", org, locale), STRUCTURE_TTL,
            lambda: self.client.templates(org, locale),
        )

    async def _template(self, customer: Customer, org: str, template_id: str) -> BookingTemplate:
        for template in await self._templates(customer, org):
            if template.id == template_id:
                return template
        raise NotFound(f"service {template_id}", vendor=VENDOR)

    def _learn_zone(self, org: str, slots: SlotRange) -> None:
        if _zone_or_none(slots.time_zone) is not None:
            self._zones[org] = slots.time_zone  # type: ignore[assignment]

    async def _zone(self, customer: Customer, org: str) -> ZoneInfo:
        known = _zone_or_none(self._zones.get(org))
        if known is not None:
            return known

        async def learn() -> str:
            templates = await self._templates(customer, org)
            if templates:
                try:
                    earliest = await self.client.earliest_slot(
                        org, self._locale(customer), templates[0].id)
                except (NotFound, InputRejected):
                    earliest = SlotRange()
                self._learn_zone(org, earliest)
            address = _site_address(templates)
            guess = _country_zone(address.country if address else None)
            return self._zones.get(org) or guess or FALLBACK_ZONE

        # reported zones are kept for good (in _zones); a guess is retried later
        name = await self._memoized(("zone", org), STRUCTURE_TTL, learn)
        return _zone_or_none(self._zones.get(org) or name) or ZoneInfo(FALLBACK_ZONE)

    # -- sites and services -----------------------------------------------

    async def list_sites(self, customer: Customer) -> list[Site]:
        """Every organization that answers; an error only when none does."""
        results = await asyncio.gather(
            *(self._site(customer, org) for org in self.settings.organization_ids),
            return_exceptions=True)
        sites = [r for r in results if isinstance(r, Site)]
        for org, result in zip(self.settings.organization_ids, results, strict=True):
            if isinstance(result, VendorError) and sites:
                log.warning("vendor=%s organization=%s skipped: %r", VENDOR, org, result)
            elif isinstance(result, BaseException):
                raise result
        return sites

    async def get_site(self, customer: Customer, site_id: str) -> Site:
        return await self._site(customer, self._organization(site_id))

    async def _site(self, customer: Customer, org: str) -> Site:
        templates = await self._templates(customer, org)
        zone = await self._zone(customer, org)
        address = _site_address(templates)
        geo = address.geo_coordinates if address else None
        return Site(
            id=org,
            name=(address.name if address and address.name else f"bookingtime {org}"),
            timezone=zone.key,
            address=address.line() if address else None,
            city=(address.city or None) if address else None,
            latitude=geo.latitude if geo else None,
            longitude=geo.longitude if geo else None,
        )

    async def list_services(self, customer: Customer, site_id: str) -> list[Service]:
        org = self._organization(site_id)
        language = _language(customer)
        return [self._service(org, t, language) for t in await self._templates(customer, org)]

    @staticmethod
    def _service(org: str, template: BookingTemplate, language: str) -> Service:
        price = template.shown_price()
        return Service(
            id=template.id,
            site_id=org,
            name=template.localized_name(language),
            description=template.localized_description(language),
            duration_minutes=template.duration if template.duration else None,
            price=Money(amount=price[0], currency=price[1]) if price else None,
        )

    # -- days and slots -----------------------------------------------------

    def _window(self, template: BookingTemplate, zone: ZoneInfo
                ) -> tuple[datetime, date, date | None]:
        """The earliest bookable instant, and the first and last bookable days."""
        now = self._now().astimezone(zone)
        not_before = now + timedelta(minutes=max(template.booking_lead_time, 0))
        first = now.date() + timedelta(days=max(template.booking_day_earliest, 0))
        last = (now.date() + timedelta(days=template.booking_day_latest)
                if template.booking_day_latest is not None else None)
        return not_before, first, last

    def _bookable(self, slots: SlotRange, template: BookingTemplate, zone: ZoneInfo) -> list[Slot]:
        not_before, first, last = self._window(template, zone)
        length = timedelta(minutes=template.duration) if template.duration else None
        offered: dict[datetime, Slot] = {}
        for slot in slots.slots:
            start = _in_zone(slot.timestamp, zone)
            if start < not_before or start.date() < first or (last and start.date() > last):
                continue
            if start not in offered:
                offered[start] = Slot(id=slot.id, start=start,
                                      end=start + length if length else None)
        return sorted(offered.values(), key=lambda s: s.start)

    async def _service_context(
        self, customer: Customer, site_id: str, service_id: str
    ) -> tuple[str, BookingTemplate, ZoneInfo]:
        org = self._organization(site_id)
        template = await self._template(customer, org, service_id)
        return org, template, await self._zone(customer, org)

    async def open_days(
        self, customer: Customer, site_id: str, service_id: str, start: date, limit: int
    ) -> list[date]:
        org, template, zone = await self._service_context(customer, site_id, service_id)
        if limit <= 0:
            return []
        _, first, last = self._window(template, zone)
        first = max(first, start)
        last = last if last is not None else first + timedelta(days=366)
        days: list[date] = []
        year, month = first.year, first.month
        while len(days) < limit and date(year, month, 1) <= last:
            slots = await self.client.month_slots(org, self._locale(customer), template.id,
                                                  year, month)
            self._learn_zone(org, slots)
            for day in sorted({s.start.date() for s in self._bookable(slots, template, zone)}):
                if first <= day <= last and day not in days:
                    days.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return days[:limit]

    async def list_slots(
        self, customer: Customer, site_id: str, service_id: str, day: date
    ) -> list[Slot]:
        org, template, zone = await self._service_context(customer, site_id, service_id)
        not_before, first, last = self._window(template, zone)
        if day < max(first, not_before.date()) or (last is not None and day > last):
            return []
        slots = await self.client.day_slots(org, self._locale(customer), template.id, day)
        self._learn_zone(org, slots)
        return [s for s in self._bookable(slots, template, zone) if s.start.date() == day]

    # -- details ----------------------------------------------------------

    async def required_details(
        self, customer: Customer, site_id: str, service_id: str
    ) -> list[DetailField]:
        org = self._organization(site_id)
        template = await self._template(customer, org, service_id)
        wanted: list[tuple[str, DetailKind]] = [("first_name", "first_name"),
                                                ("last_name", "last_name")]
        if template.customer_email_required:
            wanted.append(("email", "email"))
        if template.customer_mobile_required:
            wanted.append(("phone", "phone"))
        if template.customer_address_required:
            wanted.append(("address", "address"))
        if template.appointment_address_required:
            wanted.append(("appointment_address", "address"))
        labels = LABELS.get(_language(customer), LABELS["en"])
        country = (template.address.country if template.address else "").upper()
        examples = {"email": "name@example.com"} | PLACEHOLDERS.get(country, PLACEHOLDERS["DE"])
        return [DetailField(id=field_id, label=labels[field_id], kind=kind,
                            placeholder=examples.get(kind))
                for field_id, kind in wanted]

    # -- bookings ---------------------------------------------------------

    async def book(self, customer: Customer, draft: BookingDraft) -> Booking:
        """Book ``draft.slot``; a repeated draft (same key) returns the same booking.

        bookingtime takes no idempotency key, so a repeat is recognised by its
        key within this process only.
        """
        remembered = self._booked.get(draft.idempotency_key)
        if remembered is not None:
            return remembered
        org, template, zone = await self._service_context(customer, draft.site.id,
                                                          draft.service.id)
        details = {k: v.strip() for k, v in draft.details.items() if isinstance(v, str)}
        country = template.address.country if template.address else None
        person = CustomerData(
            first_name=details.get("first_name", ""),
            last_name=details.get("last_name", ""),
            email=details.get("email") or None,
            mobile=details.get("phone") or None,
            address=address_object(details["address"], country) if details.get("address")
            else None,
        )
        place = details.get("appointment_address")
        try:
            appointment = await self.client.add_appointment(
                org, self._locale(customer), draft.slot.id, person,
                appointment_address=address_object(place, country) if place else None,
            )
        except InputRejected as refused:
            raise self._for_details(refused) from refused
        await self.index.add(customer.pseudonym,
                             AppointmentRef(org, appointment.id, template.id))
        booking = self._booking(appointment, org, template, zone, _language(customer),
                                site_name=draft.site.name, start=draft.slot.start)
        self._booked[draft.idempotency_key] = booking
        while len(self._booked) > _REMEMBERED:
            del self._booked[next(iter(self._booked))]  # oldest first
        return booking

    @staticmethod
    def _for_details(refused: InputRejected) -> InputRejected:
        """The vendor's refusal, naming our detail id instead of its field name."""
        field = DETAIL_OF.get((refused.field or "").lower(), refused.field)
        return InputRejected(refused.reason, field=field, vendor=VENDOR)

    def _booking(
        self, appointment: Appointment, org: str, template: BookingTemplate | None,
        zone: ZoneInfo, language: str, *, site_name: str | None, start: datetime | None = None,
    ) -> Booking:
        if appointment.start is not None:
            start = _in_zone(appointment.start, zone)
        if start is None:
            raise ServiceUnavailable("appointment without a start", vendor=VENDOR)
        start = start.astimezone(zone)
        minutes = appointment.duration or (template.duration if template else None)
        end = (_in_zone(appointment.end, zone) if appointment.end is not None
               else start + timedelta(minutes=minutes) if minutes else None)
        price = template.shown_price() if template else None
        if appointment.is_cancelled:
            state = "cancelled"
        else:
            state = "done" if (end or start) <= self._now() else "confirmed"
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
            state=state,  # type: ignore[arg-type]
            price=Money(amount=price[0], currency=price[1]) if price else None,
        )

    async def _template_or_none(self, customer: Customer, org: str,
                                template_id: str | None) -> BookingTemplate | None:
        if not template_id:
            return None
        try:
            return await self._template(customer, org, template_id)
        except NotFound:
            return None  # the template was removed since; the appointment stays

    async def _show(self, customer: Customer, ref: AppointmentRef) -> Booking | None:
        try:
            appointment = await self.client.appointment(
                ref.organization_id, self._locale(customer), ref.appointment_id)
        except NotFound:
            await self.index.remove(customer.pseudonym, ref.appointment_id)
            return None
        site = await self._site(customer, ref.organization_id)
        template = await self._template_or_none(
            customer, ref.organization_id, ref.template_id or appointment.booking_template_id)
        booking = self._booking(appointment, ref.organization_id, template, ZoneInfo(site.timezone),
                                _language(customer), site_name=site.name)
        if booking.state == "cancelled":
            await self.index.remove(customer.pseudonym, ref.appointment_id)
        return booking

    async def list_bookings(self, customer: Customer) -> list[Booking]:
        refs = await self.index.refs(customer.pseudonym)
        if refs is None:
            raise ServiceUnavailable(
                "bookingtime cannot list appointments; none are known for this customer "
                "since start", vendor=VENDOR)
        refs = [r for r in refs if r.organization_id in self.settings.organization_ids]
        shown = await asyncio.gather(*(self._show(customer, ref) for ref in refs))
        return sorted((b for b in shown if b is not None), key=lambda b: b.start)

    async def _own(self, customer: Customer, booking: Booking) -> str:
        """The booking's organization, after checking it is not another customer's."""
        owner = await self.index.owner_of(booking.external_id)
        if owner is not None and owner != customer.pseudonym:
            raise NotFound(f"booking {booking.external_id}", vendor=VENDOR)
        return self._organization(booking.site_id)

    def _forget_key(self, appointment_id: str) -> None:
        for key, remembered in list(self._booked.items()):
            if remembered.external_id == appointment_id:
                del self._booked[key]

    async def cancel(self, customer: Customer, booking: Booking) -> None:
        org = await self._own(customer, booking)
        await self.client.cancel_appointment(org, self._locale(customer), booking.external_id)
        await self.index.remove(customer.pseudonym, booking.external_id)
        self._forget_key(booking.external_id)

    async def reschedule(self, customer: Customer, booking: Booking, slot: Slot) -> Booking:
        org = await self._own(customer, booking)
        template = await self._template_or_none(customer, org, booking.service_id)
        zone = await self._zone(customer, org)
        moved = await self.client.move_appointment(org, self._locale(customer),
                                                   booking.external_id, slot.id)
        await self.index.add(customer.pseudonym, AppointmentRef(  # first: a crash keeps it known
            org, moved.id, template.id if template else booking.service_id))
        if moved.id != booking.external_id:
            await self.index.remove(customer.pseudonym, booking.external_id)
        result = self._booking(moved, org, template, zone, _language(customer),
                               site_name=booking.site_name, start=slot.start)
        for key, remembered in self._booked.items():  # a repeated draft finds it moved
            if remembered.external_id == booking.external_id:
                self._booked[key] = result
        return result

    async def aclose(self) -> None:
        await self.client.aclose()

