"""The vendor-neutral virtual-queue interface, beside :mod:`bot.vendors.interface`.

Some vendors run queues rather than timeslots: a person picks a site, says
what they come for by walking down a small tree of choices, leaves a contact
(a name, a phone number or an email address, whichever the site accepts)
and gets a ticket; desks then call tickets in order. This module speaks
only that language; each queue vendor adapts its protocol to it and
declares :attr:`Capability.QUEUE`. No vendor name appears here.

What the chat builds on it:

* a join conversation: :meth:`QueueVendor.list_sites`, then
  :meth:`QueueVendor.choices` level by level until a choice without
  children, then :meth:`QueueVendor.join` with a :class:`JoinRequest`;
* a live ticket card and turn notices: a poller takes one
  :meth:`QueueVendor.snapshot` per site (one call serves every ticket at
  that site), then reads :meth:`QueueSnapshot.people_before`,
  :meth:`QueueSnapshot.estimated_wait_minutes`, :meth:`QueueSnapshot.state_of`
  and :meth:`QueueSnapshot.notice_due`; :meth:`QueueVendor.poll_interval`
  says how often polling stays within the vendor's request budget;
* staff ``/next``: :meth:`QueueVendor.desks` and :meth:`QueueVendor.call_next`.

Language codes are lower-case ISO 639-1 (``"en"``) on this side; instants
are timezone-aware. When the vendor refuses a detail, :class:`InputRejected`
names the :class:`JoinRequest` field at fault (``contact_value``,
``contact_mode``, ``language`` or ``appointment``).
"""

from __future__ import annotations

import abc
from datetime import datetime, timezone
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.vendors.interface import Capability, Vendor

ContactMode = Literal["name", "phone", "email"]
TicketState = Literal["waiting", "called", "done", "left"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class QueueSite(_Model):
    """A place with a queue (a store, an office)."""

    id: str
    name: str
    timezone: str
    languages: tuple[str, ...] = ()  # the site's languages, its main one first
    contact_modes: frozenset[ContactMode] = frozenset()

    def accepts(self, mode: ContactMode) -> bool:
        return mode in self.contact_modes


class Choice(_Model):
    """One node of a site's "what do you come for" tree, named in one language."""

    id: str
    site_id: str
    name: str
    has_children: bool = False
    appointment: bool = False  # choosing it means having an appointment


class Appointment(_Model):
    """An appointment the person already holds; ``start`` is kept in UTC."""

    external_id: str
    start: datetime

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the appointment start must be timezone-aware")
        return value.astimezone(timezone.utc)


class JoinRequest(_Model):
    """Everything needed to take a ticket, collected by the conversation."""

    site_id: str
    choice_path: tuple[str, ...] = Field(min_length=1)  # root first, the chosen leaf last
    contact_mode: ContactMode
    contact_value: str
    language: str = "en"
    appointment: Appointment | None = None

    @property
    def choice_id(self) -> str:
        return self.choice_path[-1]


class Ticket(_Model):
    vendor: str
    external_id: str
    site_id: str
    number: str  # what the screens show and the desk calls out
    state: TicketState = "waiting"
    desk_name: str | None = None  # where to go, once called


class CalledTicket(_Model):
    """A ticket a desk called recently; ``done`` once the desk finished with it."""

    ticket_id: str
    number: str
    state: Literal["called", "done"] = "called"
    desk_name: str | None = None
    called_at: datetime | None = None


class QueueSnapshot(_Model):
    """One site's queue at ``taken_at``: enough for every ticket card there."""

    site_id: str
    taken_at: datetime
    waiting: tuple[str, ...] = ()  # ticket ids in serving order
    called: tuple[CalledTicket, ...] = ()  # most recent first
    average_processing_minutes: float | None = None
    open_desks: int | None = None
    ptc: int = 2  # notify when this many people or fewer are before the ticket...
    ttc: int = 10  # ...or when the estimated wait is this many minutes or less
    call_by_people: bool = True  # which of the two rules the site uses

    def people_before(self, ticket_id: str) -> int | None:
        """How many tickets will be served first; None when not waiting."""
        try:
            return self.waiting.index(ticket_id)
        except ValueError:
            return None

    def estimated_wait_minutes(self, ticket_id: str) -> float | None:
        before = self.people_before(ticket_id)
        if before is None or self.average_processing_minutes is None:
            return None
        return before * self.average_processing_minutes / max(1, self.open_desks or 1)

    def called_ticket(self, ticket_id: str) -> CalledTicket | None:
        return next((c for c in self.called if c.ticket_id == ticket_id), None)

    def state_of(self, ticket_id: str) -> TicketState | None:
        """``waiting``, ``called``, ``done``; None when the site no longer shows it."""
        if ticket_id in self.waiting:
            return "waiting"
        called = self.called_ticket(ticket_id)
        return called.state if called else None

    def notice_due(self, ticket_id: str) -> bool:
        """True when the site's rule says this waiting ticket should come back now."""
        before = self.people_before(ticket_id)
        if before is None:
            return False
        wait = self.estimated_wait_minutes(ticket_id)
        if self.call_by_people or wait is None:
            return before <= self.ptc
        return wait <= self.ttc


class Desk(_Model):
    id: str
    site_id: str
    name: str
    open: bool = True


class QueueVendor(Vendor):
    """One backend that runs virtual queues.

    Every method may raise the errors of :mod:`bot.vendors.errors` and
    nothing else; :class:`~bot.vendors.errors.RateLimited` from
    :meth:`snapshot` means "poll later", with ``retry_after`` when known.
    """

    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.QUEUE})

    @abc.abstractmethod
    async def list_sites(self) -> list[QueueSite]: ...

    async def get_site(self, site_id: str) -> QueueSite:
        from bot.vendors.errors import NotFound

        for site in await self.list_sites():
            if site.id == site_id:
                return site
        raise NotFound(f"site {site_id}", vendor=self.name)

    @abc.abstractmethod
    async def choices(self, site_id: str, parent_id: str | None, language: str) -> list[Choice]:
        """The first level (``parent_id`` None) or the children of a choice, in display order."""

    @abc.abstractmethod
    async def join(self, request: JoinRequest) -> Ticket: ...

    @abc.abstractmethod
    async def leave(self, ticket: Ticket) -> None:
        """Give the ticket up; a ticket the vendor no longer knows is not an error."""

    @abc.abstractmethod
    async def snapshot(self, site_id: str) -> QueueSnapshot:
        """The site's queue in one call; background priority (may be refused)."""

    @abc.abstractmethod
    async def desks(self, site_id: str) -> list[Desk]: ...

    @abc.abstractmethod
    async def call_next(self, site_id: str, desk_id: str) -> Ticket | None:
        """Staff: call the next ticket to that desk; None when nobody waits."""

    async def callback_url(self) -> str | None:
        """Where the vendor posts when a desk calls someone; None when it does not.

        A post there only means "something changed": take a snapshot.
        """
        return None

    def poll_interval(self, sites: int) -> float:
        """Seconds between snapshots of each of ``sites`` sites that the vendor allows."""
        return 30.0
