"""The spaces role: rooms and desks, their capacity, and when they are busy.

A vendor playing it knows an office's buildings and the bookable spaces in
them, and the intervals each space is taken; it need not create bookings
(that is the booking role). The chat answers "is a room for 6 free now?"
from :meth:`SpacesRole.list_spaces` and :meth:`SpacesRole.busy`, through
:func:`availability`, in the building's timezone.

Visitor badges and a visitor's visiting appointments belong to the same
office and are offered where the vendor declares :attr:`Capability.BADGES`
or :attr:`Capability.VISITS`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Literal

from bot.vendors.roles.base import RoleModel, Vendor

SpaceKind = Literal["room", "desk", "other"]
BadgeState = Literal["expected", "visiting", "visited", "no_show", "unknown"]


class Building(RoleModel):
    id: str
    name: str
    timezone: str  # IANA name; "now" and every time shown are read there
    address: str | None = None


class Space(RoleModel):
    """A bookable room, desk or other resource."""

    id: str
    building_id: str
    name: str
    kind: SpaceKind = "other"
    capacity: int | None = None  # people it holds, when the vendor says
    floor: str | None = None


class BusyInterval(RoleModel):
    """A time a space is taken (a booking, a preparation slot); timezone-aware."""

    space_id: str
    start: datetime
    end: datetime


class Availability(RoleModel):
    """Whether a space is free at a moment, and until when that holds."""

    space: Space
    free: bool
    until: datetime | None = None  # when that changes; None: not within what was read


def availability(space: Space, busy: Iterable[BusyInterval], at: datetime) -> Availability:
    """``space`` at ``at``: free until the next interval, or busy until its run ends.

    Overlapping and touching intervals count as one, so a room booked 10-11
    and 11-12 is busy until 12.
    """
    mine = sorted((b for b in busy if b.space_id == space.id and b.end > at),
                  key=lambda b: b.start)
    if not mine or mine[0].start > at:
        return Availability(space=space, free=True, until=mine[0].start if mine else None)
    until = mine[0].end
    for interval in mine[1:]:
        if interval.start > until:
            break
        until = max(until, interval.end)
    return Availability(space=space, free=False, until=until)


class Badge(RoleModel):
    """A visitor badge as the office knows it."""

    id: str
    code: str  # what the visitor holds, e.g. a registration code
    state: BadgeState = "unknown"
    building_id: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class Visit(RoleModel):
    """A visiting appointment of one visitor."""

    id: str
    building_id: str | None = None
    start: datetime
    end: datetime | None = None
    subject: str | None = None
    host: str | None = None  # who invited the visitor


class SpacesRole(Vendor):
    """A vendor that knows buildings, their spaces and when each is busy."""

    @abc.abstractmethod
    async def list_buildings(self) -> list[Building]: ...

    @abc.abstractmethod
    async def list_spaces(
        self, building_id: str, *, kind: SpaceKind | None = None, min_capacity: int | None = None
    ) -> list[Space]:
        """The building's spaces that are not deleted, of ``kind``, holding ``min_capacity``."""

    @abc.abstractmethod
    async def busy(
        self, building_id: str, start: datetime, end: datetime,
        space_ids: Sequence[str] | None = None,
    ) -> list[BusyInterval]:
        """Intervals overlapping ``start``..``end`` (of those spaces, or the whole building)."""

    async def badge(self, code: str) -> Badge:
        """A badge by its code; NotFound when unknown. Only with :attr:`Capability.BADGES`."""
        raise NotImplementedError(f"{self.name} has no visitor badges")

    async def visits(self, visitor_id: str, start: datetime, end: datetime) -> list[Visit]:
        """A visitor's visiting appointments; only with :attr:`Capability.VISITS`."""
        raise NotImplementedError(f"{self.name} lists no visits")

    def visitor_of(self, telegram_id: int) -> str | None:
        """The visitor id the configuration maps this Telegram user to, if any.

        The office's visitors are not Telegram users and the API cannot link them,
        so only the operator's configuration can; unmapped users see no visits.
        """
        return None
