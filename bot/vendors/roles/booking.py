"""The booking role: days, slots, the details a booking needs, bookings.

Conversations speak only this language on top of the catalogue: the days
with an opening, the slots of a day, the details a service needs, and
bookings made, listed, cancelled and moved. Each vendor package adapts its
own protocol to it and declares :class:`Capability` flags so the chat shows
only what the vendor really supports (a Reschedule button only where moving
works, capacity only where the vendor reports it, ...).

Idempotency is not the vendor's job: the conversation claims a booking under
its key before calling :meth:`BookingRole.book`, and a claim left pending (the
vendor's answer never arrived: a crash, a timeout) is first looked for with
:meth:`BookingRole.find_claimed`. By default that lists the customer's
bookings and matches site, service and start; a vendor that stores the key
sent with :meth:`BookingRole.book` (``draft.idempotency_key``) and can look a
booking up by it overrides it, which also finds bookings its list cannot show.
"""

from __future__ import annotations

import abc
import re
from datetime import date, datetime
from typing import Literal

from bot.vendors.roles.base import Customer, RoleModel, Money
from bot.vendors.roles.catalogue import CatalogueRole, Service, Site


class Slot(RoleModel):
    """A bookable start time.

    ``id`` is opaque to the conversation: the vendor packs into it whatever it
    needs to book that exact slot later (a resource id, a slot id, ...).
    """

    id: str
    start: datetime
    end: datetime | None = None
    remaining: int | None = None  # places left, when the vendor says
    resource: str | None = None  # e.g. "Entrance", shown only when useful


DetailKind = Literal["phone", "email", "text", "first_name", "last_name", "address"]


#: The longest value taken for each kind when the vendor states no cap of its own: a
#: person's name, a phone number with its spaces, an e-mail address (RFC 5321's 254), a
#: one-line postal address, and anything else.
_DEFAULT_MAX_LENGTH: dict[DetailKind, int] = {
    "first_name": 100, "last_name": 100, "phone": 32, "email": 254, "address": 200, "text": 500,
}


class DetailField(RoleModel):
    """A detail a service requires before booking, with the vendor's rule."""

    id: str
    label: str
    kind: DetailKind = "text"
    pattern: str | None = None  # the vendor's own regular expression
    placeholder: str | None = None
    required: bool = True
    max_length: int | None = None  # the vendor's own cap, where its API states one

    @property
    def limit(self) -> int:
        """The most characters a value may have: the vendor's cap, else a sane default.

        Users can type 4096 characters in one message; no vendor field wants
        that, and every message repeating the value would outgrow Telegram's.
        """
        return self.max_length or _DEFAULT_MAX_LENGTH[self.kind]

    def accepts(self, value: str) -> bool:
        """Check a value with the length cap and the vendor's rule; an unparsable rule accepts all.

        A broken regex from a vendor must not lock users out of booking: the
        vendor still validates on submit and its refusal is shown then.
        """
        if not value.strip() and self.required:
            return False
        if len(value) > self.limit:
            return False
        if not self.pattern:
            return True
        try:
            return re.search(self.pattern, value) is not None
        except re.error:
            return True


class BookingDraft(RoleModel):
    """Everything needed to submit a booking, collected by the conversation.

    ``idempotency_key`` is fixed when the summary is shown, so a second tap on
    Confirm, a retry or a restart mid-submit resolves to the same booking.
    """

    site: Site
    service: Service
    slot: Slot
    details: dict[str, str] = {}
    idempotency_key: str


VendorBookingState = Literal["pending", "confirmed", "cancelled", "failed", "done"]


class Booking(RoleModel):
    """A booking as the vendor reports it."""

    vendor: str
    external_id: str
    label: str | None = None  # a short code shown at the desk, e.g. "C22"
    site_id: str
    site_name: str | None = None
    service_id: str | None = None
    service_name: str | None = None
    start: datetime
    end: datetime | None = None
    timezone: str
    state: VendorBookingState = "confirmed"
    price: Money | None = None
    called: bool = False  # the desk is calling this booking now (vendors that say so)


class BookingClaim(RoleModel):
    """A booking asked for under ``key`` whose answer may never have arrived."""

    key: str
    site_id: str
    service_id: str | None = None
    start: datetime


class BookingRole(CatalogueRole):
    """A vendor that sells slots at the sites and services of its catalogue."""

    @abc.abstractmethod
    async def open_days(
        self, customer: Customer, site_id: str, service_id: str, start: date, limit: int
    ) -> list[date]:
        """The next days (from ``start``, in the site's timezone) with any opening."""

    @abc.abstractmethod
    async def list_slots(
        self, customer: Customer, site_id: str, service_id: str, day: date
    ) -> list[Slot]:
        """Bookable slots of that day, in order, already filtered of full ones."""

    @abc.abstractmethod
    async def required_details(
        self, customer: Customer, site_id: str, service_id: str
    ) -> list[DetailField]: ...

    @abc.abstractmethod
    async def book(self, customer: Customer, draft: BookingDraft) -> Booking: ...

    @abc.abstractmethod
    async def list_bookings(self, customer: Customer) -> list[Booking]: ...

    async def find_claimed(self, customer: Customer, claim: BookingClaim) -> Booking | None:
        """The booking made under ``claim``, if the vendor holds one; None when it does not.

        The default matches the customer's listed bookings on site, service and
        start: right for vendors whose list shows every booking at once.
        """
        for booking in await self.list_bookings(customer):
            if (
                booking.service_id in (None, claim.service_id)
                and booking.site_id == claim.site_id
                and booking.start == claim.start
                and booking.state not in ("cancelled", "failed")
            ):
                return booking
        return None

    async def cancel(self, customer: Customer, booking: Booking) -> None:
        """Cancel ``booking``; only where :attr:`Capability.CANCEL` is declared.

        Idempotent: a booking the vendor no longer has (404, or cancelled
        already) returns normally. A cancel is retried or replayed when its
        answer never arrived (a timeout, a kill -9 inside the vendor call, a
        second press): the vendor's state is then what the user asked for, so
        they must not see an error. Adapters wrap the vendor's call in
        :func:`bot.vendors._gone.gone_is_done`; callers need not catch NotFound.
        """
        raise NotImplementedError(f"{self.name} cannot cancel")

    async def reschedule(self, customer: Customer, booking: Booking, slot: Slot) -> Booking:
        """Only where :attr:`Capability.RESCHEDULE` is declared."""
        raise NotImplementedError(f"{self.name} cannot reschedule")
