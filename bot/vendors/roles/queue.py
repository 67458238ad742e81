"""The queue role: virtual queues, tickets and the desks that call them.

Some vendors run queues rather than timeslots: a person picks a site, says
what they come for by walking down a small tree of choices, leaves a contact
(a name, a phone number or an email address, whichever the site accepts)
and gets a ticket; desks then call tickets in order. This module speaks
only that language; each queue vendor adapts its protocol to it and
declares :attr:`Capability.QUEUE`.

What the chat builds on it:

* a join conversation: :meth:`QueueRole.queue_sites`, then
  :meth:`QueueRole.choices` level by level until a choice without
  children, then :meth:`QueueRole.join` with a :class:`JoinRequest`;
* a live ticket card and turn notices: a poller takes one
  :meth:`QueueRole.snapshot` per site (one call serves every ticket at
  that site), then reads :meth:`QueueSnapshot.people_before`,
  :meth:`QueueSnapshot.estimated_wait_minutes`, :meth:`QueueSnapshot.state_of`
  and :meth:`QueueSnapshot.notice_due` (the site's :class:`NoticeRule`);
  :meth:`QueueRole.poll_interval` says how often polling stays within the
  vendor's request budget;
* staff ``/next``: :meth:`QueueRole.desks` and :meth:`QueueRole.call_next`.

Language codes are lower-case ISO 639-1 (``"en"``) on this side; instants
are timezone-aware. When the vendor refuses a detail, :class:`InputRejected`
names the :class:`JoinRequest` field at fault (``contact_value``,
``contact_mode``, ``language`` or ``appointment``).
"""

from __future__ import annotations

import abc
from datetime import datetime, timezone
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from bot.vendors.errors import NotFound
from bot.vendors.roles.base import Capability, RoleModel, Vendor

ContactMode = Literal["name", "phone", "email"]
TicketState = Literal["waiting", "called", "done", "left"]


class QueueSite(RoleModel):
    """A place with a queue (a store, an office)."""

    id: str
    name: str
    timezone: str
    languages: tuple[str, ...] = ()  # the site's languages, its main one first
    contact_modes: frozenset[ContactMode] = frozenset()

    def accepts(self, mode: ContactMode) -> bool:
        return mode in self.contact_modes


class Choice(RoleModel):
    """One node of a site's "what do you come for" tree, named in one language."""

    id: str
    site_id: str
    name: str
    has_children: bool = False
    appointment: bool = False  # choosing it means having an appointment


class Appointment(RoleModel):
    """An appointment the person already holds; ``start`` is kept in UTC."""

    external_id: str
    start: datetime

    @field_validator("start")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("the appointment start must be timezone-aware")
        return value.astimezone(timezone.utc)


class JoinRequest(RoleModel):
    """Everything needed to take a ticket, collected by the conversation.

    ``claim_key`` is the key the conversation stored the join under before
    calling the vendor; a vendor that can keep it with the registration finds
    the join again with :meth:`QueueRole.find_joined` after a crash.
    """

    site_id: str
    choice_path: tuple[str, ...] = Field(min_length=1)  # root first, the chosen leaf last
    contact_mode: ContactMode
    contact_value: str
    language: str = "en"
    appointment: Appointment | None = None
    claim_key: str | None = None

    @property
    def choice_id(self) -> str:
        return self.choice_path[-1]


class Ticket(RoleModel):
    vendor: str
    external_id: str
    site_id: str
    number: str  # what the screens show and the desk calls out
    state: TicketState = "waiting"
    desk_name: str | None = None  # where to go, once called


class CalledTicket(RoleModel):
    """A ticket a desk called recently; ``done`` once the desk finished with it."""

    ticket_id: str
    number: str
    state: Literal["called", "done"] = "called"
    desk_name: str | None = None
    called_at: datetime | None = None


class NoticeRule(RoleModel):
    """When a waiting person is told to come back: the site's own rule.

    ``minutes_left``: when the estimated wait is that many minutes or less;
    ``people_ahead``: when that many people or fewer are ahead. Minutes count
    when ``minutes_left`` is set and a wait can be estimated; otherwise people
    do (``people_ahead``, or nobody ahead when the site gives no number).
    ``NoticeRule(people_ahead=2)``, ``NoticeRule(minutes_left=10)``, or both:
    by minutes, by people while the wait is unknown.
    """

    people_ahead: int | None = Field(default=None, ge=0)
    minutes_left: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _some_rule(self) -> NoticeRule:
        if self.people_ahead is None and self.minutes_left is None:
            raise ValueError("a notice rule needs people_ahead or minutes_left")
        return self

    def due(self, people_ahead: int, wait: float | None) -> bool:
        if self.minutes_left is not None and wait is not None:
            return wait <= self.minutes_left
        return people_ahead <= (self.people_ahead or 0)


class QueueSnapshot(RoleModel):
    """One site's queue at ``taken_at``: enough for every ticket card there."""

    site_id: str
    taken_at: datetime
    waiting: tuple[str, ...] = ()  # ticket ids in serving order
    called: tuple[CalledTicket, ...] = ()  # most recent first
    average_processing_minutes: float | None = None
    open_desks: int | None = None
    notice: NoticeRule = NoticeRule(people_ahead=2)

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
        return self.notice.due(before, self.estimated_wait_minutes(ticket_id))


class Desk(RoleModel):
    id: str
    site_id: str
    name: str
    open: bool = True


class QueueRole(Vendor):
    """A vendor that runs virtual queues.

    Every method may raise the errors of :mod:`bot.vendors.errors` and
    nothing else; :class:`~bot.vendors.errors.RateLimited` from
    :meth:`snapshot` means "poll later", with ``retry_after`` when known.
    """

    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.QUEUE})

    @abc.abstractmethod
    async def queue_sites(self) -> list[QueueSite]: ...

    async def queue_site(self, site_id: str) -> QueueSite:
        for site in await self.queue_sites():
            if site.id == site_id:
                return site
        raise NotFound(f"site {site_id}", vendor=self.name)

    @abc.abstractmethod
    async def choices(self, site_id: str, parent_id: str | None, language: str) -> list[Choice]:
        """The first level (``parent_id`` None) or the children of a choice, in display order."""

    @abc.abstractmethod
    async def join(self, request: JoinRequest) -> Ticket: ...

    async def find_joined(self, request: JoinRequest) -> Ticket | None:
        """The ticket a join claimed under ``request.claim_key`` took, when its
        answer never arrived (a crash, a timeout); None when there is none.

        The default cannot tell and says None: the join is then made again.
        """
        return None

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
