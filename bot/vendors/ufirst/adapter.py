"""ufirst playing the booking role (:class:`~bot.vendors.roles.booking.BookingRole`)
and the events role (its point webhooks, :mod:`bot.vendors.ufirst.events`).

* sites are the organization's points (coordinates and address from the
  point's ``geoPoint``, city from ``citySlug``);
* services are a point's active services that take a timeslot (services
  without a timeslot parameter are walk-in queues, which we do not offer);
* days open are the weekdays listed in ``businessDays`` (ISO weekdays) on
  which at least one of the service's timeslots falls within business hours;
* slots are the timeslot parameter's resources' timeslots of that date, with
  ``remaining`` = ``maxPartySize`` as reported for that date, minus full
  ones, ones outside business hours and ones already started at the point;
* details are every reservation parameter but the timeslot, with ufirst's
  regex as the pattern.

Every call is made as the customer: ufirst's userID is
``customer.pseudonym`` and the JWT is that user's own. The organization and
the point structure are cached for :data:`STRUCTURE_TTL` seconds so one
conversation does not refetch them at every step; capacities of a date are
always fetched fresh.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from bot.vendors._cache import TtlCache
from bot.vendors._gone import gone_is_done
from bot.vendors._tokens import utcnow
from bot.vendors._zones import first_zone
from bot.vendors.errors import NotFound, SlotUnavailable
from bot.vendors.roles.base import Capability, Customer
from bot.vendors.roles.booking import (
    Booking,
    BookingDraft,
    BookingRole,
    DetailField,
    Slot,
    VendorBookingState,
)
from bot.vendors.roles.catalogue import Service, Site
from bot.vendors.ufirst.client import VENDOR, UfirstClient
from bot.vendors.ufirst.config import Settings
from bot.vendors.ufirst.events import UfirstEvents
from bot.vendors.ufirst.models import (
    Organization,
    ParameterValue,
    Point,
    PointService,
    Reservation,
    ReservationParameter,
    ReservationRequest,
    SelectedAvailability,
    format_hhmm,
    parse_hhmm,
)

if TYPE_CHECKING:
    from bot.vendors.registry import VendorDeps

STRUCTURE_TTL = 30.0  # seconds the organization and point structure are reused
DAY_TTL = 5.0  # seconds a day's capacities are reused between users pressing that day
_SLOT_SEPARATOR = "|"
_STATES: dict[str, VendorBookingState] = {
    "waiting": "confirmed", "scheduled": "confirmed", "confirmed": "confirmed",
    "called": "confirmed", "serving": "confirmed", "pending": "pending",
    "served": "done", "done": "done", "completed": "done",
    "cancelled": "cancelled", "canceled": "cancelled", "deleted": "cancelled",
    "expired": "cancelled", "failed": "failed", "rejected": "failed",
}


def _city(slug: str | None) -> str | None:
    return slug.replace("-", " ").replace("_", " ").title() if slug else None


def _kind(parameter: ReservationParameter) -> Any:
    words = f"{parameter.id} {parameter.label or ''}".lower()
    if "phone" in words:
        return "phone"
    if "mail" in words:
        return "email"
    return "text"


def pack_slot(resource_id: str, start: datetime) -> str:
    return f"{resource_id}{_SLOT_SEPARATOR}{start.date().isoformat()}T{format_hhmm(start.time())}"


def unpack_slot(slot_id: str) -> tuple[str, date, time]:
    resource_id, sep, when = slot_id.rpartition(_SLOT_SEPARATOR)
    try:
        day, _, hhmm = when.partition("T")
        if not sep or not resource_id:
            raise ValueError(slot_id)
        return resource_id, date.fromisoformat(day), parse_hhmm(hhmm)
    except ValueError:
        raise SlotUnavailable(f"not a ufirst slot: {slot_id}", vendor=VENDOR) from None


class UfirstVendor(UfirstEvents, BookingRole):
    name = VENDOR
    capabilities = frozenset({Capability.CANCEL, Capability.CAPACITY, Capability.COORDINATES})

    def __init__(
        self, settings: Settings, deps: VendorDeps, *, now: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.client = UfirstClient(settings, deps.tokens, transport=deps.transport)
        self._now = now
        self._title: str | None = None
        self._organization: TtlCache[str, Organization] = TtlCache(STRUCTURE_TTL)
        self._points: TtlCache[str, Point] = TtlCache(STRUCTURE_TTL)
        self._days: TtlCache[tuple[str, date], Point] = TtlCache(DAY_TTL)

    @property
    def title(self) -> str:
        """The organization's name once it has been fetched, ``ufirst`` before."""
        return self._title or self.name

    async def business_name(self, customer: Customer) -> str:
        return (await self._org(customer)).name

    # -- cached structure -------------------------------------------------

    async def _org(self, customer: Customer) -> Organization:
        async def load() -> Organization:
            organization = await self.client.organization(customer.pseudonym)
            self._title = organization.name
            return organization
        return await self._organization.get("organization", load)

    async def _point(self, customer: Customer, point_id: str) -> Point:
        return await self._points.get(
            point_id, lambda: self.client.point(customer.pseudonym, point_id))

    async def _service(self, customer: Customer, site_id: str, service_id: str
                       ) -> tuple[Point, PointService, ReservationParameter]:
        point = await self._point(customer, site_id)
        service = point.service(service_id)
        parameter = service.timeslot_parameter if service else None
        if service is None or not service.is_active or parameter is None:
            raise NotFound(f"service {service_id}", vendor=VENDOR)
        return point, service, parameter

    def _local_now(self, point: Point) -> datetime:
        return self._now().astimezone(first_zone(point.timezone))

    # -- sites, services, days, slots -------------------------------------

    async def list_sites(self, customer: Customer) -> list[Site]:
        organization = await self._org(customer)
        points = await asyncio.gather(*(
            self._point(customer, p.id) if p.geo_point is None else _done(p)
            for p in organization.points
        ))
        return [self._site(p) for p in points]

    @staticmethod
    def _site(point: Point) -> Site:
        geo = point.geo_point
        return Site(
            id=point.id, name=point.name, timezone=point.timezone,
            address=geo.name if geo else None, city=_city(point.city_slug),
            latitude=geo.latitude if geo else None, longitude=geo.longitude if geo else None,
        )

    async def get_site(self, customer: Customer, site_id: str) -> Site:
        organization = await self._org(customer)
        if organization.point(site_id) is None:
            raise NotFound(f"site {site_id}", vendor=VENDOR)
        return self._site(await self._point(customer, site_id))

    async def list_services(self, customer: Customer, site_id: str) -> list[Service]:
        point = await self._point(customer, site_id)
        return [
            Service(id=s.id, site_id=point.id, name=s.name)
            for s in point.services
            if s.is_active and s.timeslot_parameter is not None
        ]

    async def open_days(
        self, customer: Customer, site_id: str, service_id: str, start: date, limit: int
    ) -> list[date]:
        point, _, parameter = await self._service(customer, site_id, service_id)
        times = sorted({parse_hhmm(t.start) for r in parameter.resources_availability
                        for t in r.timeslots})
        now = self._local_now(point)
        day, days = max(start, now.date()), []
        for _ in range(366):
            if len(days) >= max(limit, 0):
                break
            hours = point.hours(day.isoweekday())
            if any(h.contains(t) and (day > now.date() or t > now.time())
                   for h in hours for t in times):
                days.append(day)
            day += timedelta(days=1)
        return days

    async def list_slots(
        self, customer: Customer, site_id: str, service_id: str, day: date
    ) -> list[Slot]:
        await self._service(customer, site_id, service_id)  # NotFound before a dated call
        point = await self._days.get(  # seconds at most, forgotten when we book or cancel
            (site_id, day), lambda: self.client.point(customer.pseudonym, site_id, day))
        service = point.service(service_id)
        parameter = service.timeslot_parameter if service else None
        if parameter is None:
            raise NotFound(f"service {service_id}", vendor=VENDOR)
        zone, now = first_zone(point.timezone), self._local_now(point)
        hours = point.hours(day.isoweekday())
        named = len(parameter.resources_availability) > 1
        slots = []
        for resource in parameter.resources_availability:
            for timeslot in resource.timeslots:
                at = parse_hhmm(timeslot.start)
                start = datetime.combine(day, at, tzinfo=zone)
                if timeslot.max_party_size <= 0 or start <= now:
                    continue
                if not any(h.contains(at) for h in hours):
                    continue
                slots.append(Slot(
                    id=pack_slot(resource.resource_id, start), start=start,
                    remaining=timeslot.max_party_size,
                    resource=(resource.resource_name or resource.resource_id) if named else None,
                ))
        return sorted(slots, key=lambda s: s.start)  # stable: ufirst's resource order

    async def required_details(
        self, customer: Customer, site_id: str, service_id: str
    ) -> list[DetailField]:
        _, service, _ = await self._service(customer, site_id, service_id)
        return [
            DetailField(id=p.id, label=p.label or p.id, kind=_kind(p),
                        pattern=p.regex or None, placeholder=p.placeholder or None)
            for p in service.detail_parameters
        ]

    # -- bookings -------------------------------------------------------

    async def book(self, customer: Customer, draft: BookingDraft) -> Booking:
        """Reserve ``draft.slot``; a repeated draft resolves to the same reservation.

        ufirst takes no idempotency key, so a retried draft (the conversation's
        claim makes retries rare: a crash mid-call) is recognised by an
        existing reservation of this user for the same point, service and start.
        """
        point, service, parameter = await self._service(customer, draft.site.id, draft.service.id)
        resource_id, day, at = unpack_slot(draft.slot.id)
        start = datetime.combine(day, at, tzinfo=first_zone(point.timezone))
        for existing in await self.client.reservations(customer.pseudonym):
            if (existing.point_id, existing.service_id) == (point.id, service.id) and (
                existing.scheduled_at == start
            ) and _STATES.get((existing.state or "").lower()) != "cancelled":
                return self._booking(existing, point)
        values = [ParameterValue(parameter_id=p.id, value=draft.details[p.id])
                  for p in service.detail_parameters if p.id in draft.details]
        values.append(ParameterValue(
            parameter_id=parameter.id,
            selected_availability=SelectedAvailability(resource_id=resource_id,
                                                       start=start.isoformat()),
        ))
        request = ReservationRequest(values=values,
                                     notification_channel=self.settings.notification_channel)
        try:
            reservation = await self.client.create_reservation(
                customer.pseudonym, point.id, service.id, request, timeslot_parameter=parameter.id
            )
        finally:  # booked or refused (taken meanwhile): that day's capacities changed
            self._days.forget((draft.site.id, day))
        return self._booking(reservation, point)

    def _booking(self, reservation: Reservation, point: Point | None) -> Booking:
        zone = first_zone(point.timezone if point else None)
        start = reservation.scheduled_at or reservation.created_at or self._now()
        return Booking(
            vendor=VENDOR, external_id=reservation.id, label=reservation.label,
            site_id=reservation.point_id, site_name=point.name if point else None,
            service_id=reservation.service_id, service_name=reservation.service_name,
            start=start.astimezone(zone), timezone=zone.key,
            state=_STATES.get((reservation.state or "").lower(), "pending"),
            called=(reservation.state or "").lower() == "called",
        )

    async def list_bookings(self, customer: Customer) -> list[Booking]:
        reservations = await self.client.reservations(customer.pseudonym)
        if not reservations:
            return []
        organization = await self._org(customer)
        bookings = [self._booking(r, organization.point(r.point_id)) for r in reservations]
        return sorted(bookings, key=lambda b: b.start)

    async def cancel(self, customer: Customer, booking: Booking) -> None:
        """DELETE the reservation; a 404 means deleted already, which is done."""
        async with gone_is_done(VENDOR, booking.external_id):
            await self.client.delete_reservation(customer.pseudonym, booking.external_id)
        self._days.forget((booking.site_id, booking.start.date()))

    async def forget_customer(self, customer: Customer) -> None:
        """The customer's own login (a JWT per pseudonym), in memory and stored."""
        await self.client.tokens.forget(customer.pseudonym)

    async def aclose(self) -> None:
        await self.client.aclose()


async def _done(point: Point) -> Point:
    return point
