"""bookingtime playing the booking role (:class:`~bot.vendors.roles.booking.BookingRole`).

Each concern has its module: sites, services and timezones in
:mod:`.catalogue`, the template's slot rules and the appointment-to-booking
mapping in :mod:`.slots`, the details asked and sent in :mod:`.details`,
the appointments booked per customer in :mod:`.index`, the HTTP protocol in
:mod:`.client`. This class ties them to the role's calls.

The Module API cannot list a customer's appointments, so the adapter keeps,
per customer pseudonym, the appointments it booked in an
:class:`~bot.vendors.bookingtime.index.AppointmentIndex` and shows each of
them with ``appointment/{id}/show``. With ``VendorDeps.refs`` the index is in
the bot's database and survives restarts; without it, it lives in memory and
after a restart cannot say what a customer booked before:
:meth:`BookingtimeVendor.list_bookings` then raises
:class:`ServiceUnavailable` rather than answer "nothing", which would make
the caller believe those bookings were cancelled.

Slots are always fetched fresh. Each appointment is added with the
claim's idempotency key as its ``customId``, so a booking whose answer never
arrived (a crash while the vendor booked: the index was not written yet) is
found again with ``appointment/{customId}/identify``
(:meth:`BookingtimeVendor.find_claimed`), entered in the index and so listed
in /my like any other.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.vendors._gone import gone_is_done
from bot.vendors._tokens import utcnow
from bot.vendors.bookingtime.catalogue import Catalogue, language_of, to_service
from bot.vendors.bookingtime.client import VENDOR, BookingtimeClient
from bot.vendors.bookingtime.config import Settings
from bot.vendors.bookingtime.details import DETAIL_OF, customer_data, detail_fields
from bot.vendors.bookingtime.index import (
    AppointmentIndex,
    AppointmentRef,
    MemoryAppointmentIndex,
    StoredAppointmentIndex,
)
from bot.vendors.bookingtime.models import BookingTemplate
from bot.vendors.bookingtime.slots import bookable, to_booking, window
from bot.vendors.errors import InputRejected, NotFound, ServiceUnavailable
from bot.vendors.roles.base import Capability, Customer
from bot.vendors.roles.booking import (
    Booking,
    BookingClaim,
    BookingDraft,
    BookingRole,
    DetailField,
    Slot,
)
from bot.vendors.roles.catalogue import Service, Site

if TYPE_CHECKING:
    from bot.vendors.registry import VendorDeps


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
        self.catalogue = Catalogue(settings, self.client)
        if index is None:
            index = (StoredAppointmentIndex(deps.refs) if deps.refs is not None
                     else MemoryAppointmentIndex())
        self.index: AppointmentIndex = index
        self._now = now

    @property
    def title(self) -> str:
        return "bookingtime"

    # -- sites and services -----------------------------------------------

    async def list_sites(self, customer: Customer) -> list[Site]:
        return await self.catalogue.sites(customer)

    async def get_site(self, customer: Customer, site_id: str) -> Site:
        return await self.catalogue.site(customer, self.catalogue.organization(site_id))

    async def list_services(self, customer: Customer, site_id: str) -> list[Service]:
        org = self.catalogue.organization(site_id)
        language = language_of(customer)
        return [to_service(org, t, language) for t in await self.catalogue.templates(customer, org)]

    # -- days and slots -----------------------------------------------------

    async def _service_context(
        self, customer: Customer, site_id: str, service_id: str
    ) -> tuple[str, BookingTemplate, ZoneInfo]:
        org = self.catalogue.organization(site_id)
        template = await self.catalogue.template(customer, org, service_id)
        return org, template, await self.catalogue.zone(customer, org)

    async def open_days(
        self, customer: Customer, site_id: str, service_id: str, start: date, limit: int
    ) -> list[date]:
        org, template, zone = await self._service_context(customer, site_id, service_id)
        if limit <= 0:
            return []
        _, first, last = window(template, zone, self._now())
        first = max(first, start)
        last = last if last is not None else first + timedelta(days=366)
        days: list[date] = []
        year, month = first.year, first.month
        while len(days) < limit and date(year, month, 1) <= last:
            slots = await self.client.month_slots(org, self.catalogue.locale(customer),
                                                  template.id, year, month)
            self.catalogue.learn_zone(org, slots)
            offered = bookable(slots, template, zone, self._now())
            for day in sorted({s.start.date() for s in offered}):
                if first <= day <= last and day not in days:
                    days.append(day)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return days[:limit]

    async def list_slots(
        self, customer: Customer, site_id: str, service_id: str, day: date
    ) -> list[Slot]:
        org, template, zone = await self._service_context(customer, site_id, service_id)
        not_before, first, last = window(template, zone, self._now())
        if day < max(first, not_before.date()) or (last is not None and day > last):
            return []
        slots = await self.client.day_slots(org, self.catalogue.locale(customer), template.id, day)
        self.catalogue.learn_zone(org, slots)
        return [s for s in bookable(slots, template, zone, self._now()) if s.start.date() == day]

    async def required_details(
        self, customer: Customer, site_id: str, service_id: str
    ) -> list[DetailField]:
        org = self.catalogue.organization(site_id)
        template = await self.catalogue.template(customer, org, service_id)
        return detail_fields(template, language_of(customer))

    # -- bookings ---------------------------------------------------------

    async def book(self, customer: Customer, draft: BookingDraft) -> Booking:
        org, template, zone = await self._service_context(customer, draft.site.id,
                                                          draft.service.id)
        person, place = customer_data(draft.details, template)
        try:
            appointment = await self.client.add_appointment(
                org, self.catalogue.locale(customer), draft.slot.id, person,
                appointment_address=place, custom_id=draft.idempotency_key,
            )
        except InputRejected as refused:
            raise self._for_details(refused) from refused
        await self.index.add(customer.pseudonym,
                             AppointmentRef(org, appointment.id, template.id))
        return to_booking(appointment, org, template, zone, language_of(customer), self._now(),
                          site_name=draft.site.name, start=draft.slot.start)

    async def find_claimed(self, customer: Customer, claim: BookingClaim) -> Booking | None:
        """The appointment added with the claim's key as ``customId``, if any."""
        org = self.catalogue.organization(claim.site_id)
        try:
            appointment = await self.client.identify_appointment(
                org, self.catalogue.locale(customer), claim.key)
        except NotFound:
            return None
        template_id = appointment.booking_template_id or claim.service_id
        await self.index.add(customer.pseudonym, AppointmentRef(org, appointment.id, template_id))
        site = await self.catalogue.site(customer, org)
        template = await self.catalogue.template_or_none(customer, org, template_id)
        booking = to_booking(appointment, org, template, ZoneInfo(site.timezone),
                             language_of(customer), self._now(), site_name=site.name)
        return None if booking.state in ("cancelled", "failed") else booking

    @staticmethod
    def _for_details(refused: InputRejected) -> InputRejected:
        """The vendor's refusal, naming our detail id instead of its field name."""
        field = DETAIL_OF.get((refused.field or "").lower(), refused.field)
        return InputRejected(refused.reason, field=field, vendor=VENDOR)

    async def _show(self, customer: Customer, ref: AppointmentRef) -> Booking | None:
        try:
            appointment = await self.client.appointment(
                ref.organization_id, self.catalogue.locale(customer), ref.appointment_id)
        except NotFound:
            await self.index.remove(customer.pseudonym, ref.appointment_id)
            return None
        site = await self.catalogue.site(customer, ref.organization_id)
        template = await self.catalogue.template_or_none(
            customer, ref.organization_id, ref.template_id or appointment.booking_template_id)
        booking = to_booking(appointment, ref.organization_id, template, ZoneInfo(site.timezone),
                             language_of(customer), self._now(), site_name=site.name)
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
        return self.catalogue.organization(booking.site_id)

    async def cancel(self, customer: Customer, booking: Booking) -> None:
        """PUT the cancel; an appointment gone (404) or cancelled already is done.

        Another customer's booking is still refused with NotFound: only the
        vendor's own answer to the cancel counts as gone.
        """
        org, locale = await self._own(customer, booking), self.catalogue.locale(customer)
        async with gone_is_done(VENDOR, booking.external_id):
            await self._cancel_appointment(org, locale, booking.external_id)
        await self.index.remove(customer.pseudonym, booking.external_id)

    async def _cancel_appointment(self, org: str, locale: str, appointment_id: str) -> None:
        """The vendor's cancel; its refusal of an appointment cancelled already is done.

        bookingtime answers a second cancel with a refusal (400), not a 404, so the
        appointment is read to tell "cancelled already" from any other refusal.
        """
        try:
            await self.client.cancel_appointment(org, locale, appointment_id)
        except InputRejected:
            if not (await self.client.appointment(org, locale, appointment_id)).is_cancelled:
                raise

    async def reschedule(self, customer: Customer, booking: Booking, slot: Slot) -> Booking:
        org = await self._own(customer, booking)
        template = await self.catalogue.template_or_none(customer, org, booking.service_id)
        zone = await self.catalogue.zone(customer, org)
        moved = await self.client.move_appointment(org, self.catalogue.locale(customer),
                                                   booking.external_id, slot.id)
        await self.index.add(customer.pseudonym, AppointmentRef(  # first: a crash keeps it known
            org, moved.id, template.id if template else booking.service_id))
        if moved.id != booking.external_id:
            await self.index.remove(customer.pseudonym, booking.external_id)
        return to_booking(moved, org, template, zone, language_of(customer), self._now(),
                          site_name=booking.site_name, start=slot.start)

    async def aclose(self) -> None:
        await self.client.aclose()
