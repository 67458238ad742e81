"""Bookings ONE playing the spaces, events and reports roles (no booking role).

* buildings are the vendor's buildings that are not deleted; their timezone
  comes from ``BOOKINGSONE_BUILDING_TIMEZONES`` (the API has none);
* spaces are the bookable resources on the building's floors (rooms, desks;
  anything else is "other"), deleted ones left out, capacity filtered with
  ``minCapacity``; busy intervals are the resource appointments in the states
  that hold a resource (``booked``, ``using``, ``waitingCheckIn``);
* a badge is looked up by its registration code (``/badge CODE``); the
  vendor's states map to the neutral ones; visits are the visitor's
  visiting appointments;
* events: a subscription watches resources; the vendor has no renew or
  unsubscribe call, so renewing subscribes again (the old one lapses at its
  ``expireTime``) and dropping sends nothing: the caller forgets the
  per-subscription secret, so calls still arriving are refused at its door;
* reports: the daily visitor analytics, asked with the day's midnight in the
  requested timezone (the vendor counts the day at that offset).

Buildings (with their floors) are cached for :data:`STRUCTURE_TTL` seconds.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from bot.vendors._cache import TtlCache
from bot.vendors.bookingsone.client import VENDOR, BookingsOneClient
from bot.vendors.bookingsone.config import Settings
from bot.vendors.bookingsone.models import BUSY_STATES, text_of
from bot.vendors.bookingsone.models import Badge as VendorBadge
from bot.vendors.bookingsone.models import Building as VendorBuilding
from bot.vendors.errors import NotFound
from bot.vendors.roles.base import Capability
from bot.vendors.roles.events import EventsRole, EventSubscription, InboundCall, Reread, Topic
from bot.vendors.roles.reports import DailyFigures, ReportsRole
from bot.vendors.roles.spaces import (
    Badge,
    BadgeState,
    Building,
    BusyInterval,
    Space,
    SpaceKind,
    SpacesRole,
    Visit,
)

log = logging.getLogger("bot.vendors.bookingsone")

STRUCTURE_TTL = 300.0
_BADGE_STATES: dict[str, BadgeState] = {
    "initial": "expected", "visiting": "visiting", "visited": "visited", "noShow": "no_show"}
_KINDS: dict[str, SpaceKind] = {"room": "room", "desk": "desk"}


class BookingsOneVendor(SpacesRole, EventsRole, ReportsRole):
    name: ClassVar[str] = VENDOR
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.BADGES,
                                                               Capability.VISITS})
    longest_subscription: ClassVar[timedelta] = timedelta(minutes=1440)

    def __init__(self, settings: Settings, deps: Any = None, *,
                 client: BookingsOneClient | None = None) -> None:
        self.settings = settings
        transport = getattr(deps, "transport", None)
        self.client = client or BookingsOneClient(settings, transport=transport)
        self._buildings: TtlCache[str, dict[str, VendorBuilding]] = TtlCache(STRUCTURE_TTL)

    @property
    def title(self) -> str:
        info = self.client.known_info
        return info.client_name if info and info.client_name else "Bookings ONE"

    def vendor_now(self) -> datetime:
        return self.client.now()  # followed through each answer's Date header

    # -- structure --------------------------------------------------------------------

    async def _building_map(self) -> dict[str, VendorBuilding]:
        async def load() -> dict[str, VendorBuilding]:
            await self.client.information()
            return {str(b.id): b for b in await self.client.buildings() if not b.is_deleted}

        return await self._buildings.get("buildings", load)

    async def _building(self, building_id: str) -> VendorBuilding:
        found = (await self._building_map()).get(building_id)
        if found is None:
            raise NotFound(f"building {building_id}", vendor=VENDOR)
        return found

    def _neutral_building(self, building: VendorBuilding) -> Building:
        bid = str(building.id)
        return Building(id=bid, name=text_of(building.name, self.settings.language) or bid,
                        timezone=self.settings.zone_of(bid), address=building.address)

    async def list_buildings(self) -> list[Building]:
        found = sorted((await self._building_map()).values(), key=lambda b: (b.order, b.id))
        return [self._neutral_building(b) for b in found]

    async def list_spaces(self, building_id: str, *, kind: SpaceKind | None = None,
                          min_capacity: int | None = None) -> list[Space]:
        building = await self._building(building_id)
        if not building.floors:
            return []
        types = (kind,) if kind in ("room", "desk") else ()
        resources = await self.client.resources(floor_ids=[f.id for f in building.floors],
                                                types=types, min_capacity=min_capacity)
        spaces = [Space(id=str(r.id), building_id=building_id,
                        name=text_of(r.name, self.settings.language) or str(r.id),
                        kind=_KINDS.get(r.type, "other"), capacity=r.capacity,
                        floor=text_of(r.floor.name) if r.floor and r.floor.name else None)
                  for r in resources]
        if kind == "other":
            spaces = [s for s in spaces if s.kind == "other"]
        return sorted(spaces, key=lambda s: (s.kind, s.capacity or 0, s.name))

    async def busy(self, building_id: str, start: datetime, end: datetime,
                   space_ids: Sequence[str] | None = None) -> list[BusyInterval]:
        ids = list(space_ids) if space_ids else [
            s.id for s in await self.list_spaces(building_id)]
        if not ids:
            return []
        found = await self.client.appointments(start, end, resource_ids=list(ids),
                                               states=BUSY_STATES)
        wanted = set(ids)
        return [BusyInterval(space_id=str(a.bookable_resource.id), start=a.period.start,
                             end=a.period.end)
                for a in found if str(a.bookable_resource.id) in wanted
                and a.booking_state in BUSY_STATES and a.period.end > a.period.start]

    # -- visitors --------------------------------------------------------------------------

    async def badge(self, code: str) -> Badge:
        found = await self.client.search_badges(codes=(code.strip().upper(),))
        if not found:
            raise NotFound("badge", vendor=VENDOR)
        return _badge(found[0])

    async def visits(self, visitor_id: str, start: datetime, end: datetime) -> list[Visit]:
        found = await self.client.visits(start, end, visitor_ids=(visitor_id,))
        return [Visit(id=str(v.id), building_id=str(v.building.id) if v.building else None,
                      start=v.period.start, end=v.period.end, subject=v.subject,
                      host=text_of(v.inviting_user.name) if v.inviting_user else None)
                for v in sorted(found, key=lambda v: v.period.start)]

    def visitor_of(self, telegram_id: int) -> str | None:
        return self.settings.visitor_of(telegram_id)

    # -- events ------------------------------------------------------------------------------

    def _minutes(self, lifetime: timedelta) -> int:
        wanted = int(lifetime.total_seconds() // 60)
        return max(1, min(wanted, self.settings.subscription_minutes, 1440))

    async def subscribe(self, topic: Topic, ids: Sequence[str], callback_url: str,
                        lifetime: timedelta) -> EventSubscription:
        if topic != "space":
            raise NotFound(f"{topic} events", vendor=VENDOR)
        minutes = self._minutes(lifetime)
        external = await self.client.subscribe(list(ids), callback_url, minutes)
        # The vendor counts from when it received the call: at the latest, now.
        expires = self.client.now() + timedelta(minutes=minutes)
        return EventSubscription(vendor=VENDOR, external_id=external, topic=topic,
                                 ids=tuple(ids), callback_url=callback_url, expires_at=expires)

    async def renew(self, subscription: EventSubscription,
                    lifetime: timedelta) -> EventSubscription:
        return await self.subscribe(subscription.topic, subscription.ids,
                                    subscription.callback_url, lifetime)

    async def drop(self, subscription: EventSubscription) -> None:
        log.info("vendor=bookingsone subscription %s left to expire at %s",
                 subscription.external_id, subscription.expires_at.isoformat())

    def parse_call(self, subscription: EventSubscription | None,
                   call: InboundCall) -> list[Reread]:
        watched = tuple(subscription.ids) if subscription else ()
        raw = call.payload.get("ids") if isinstance(call.payload, dict) else None
        named: list[str] = []
        if isinstance(raw, str):
            named = [i.strip() for i in raw.split(",") if i.strip()]
        elif isinstance(raw, list):
            named = [str(i) for i in raw if isinstance(i, (str, int))]
        hinted = tuple(i for i in named if i in watched) if watched else tuple(named[:50])
        return [Reread(topic="space", ids=hinted or watched)]

    # -- reports --------------------------------------------------------------------------------

    async def daily_figures(self, day: date, timezone: str) -> DailyFigures:
        got = await self.client.daily_visitors(day, timezone)
        return DailyFigures(day=day, timezone=timezone, figures={
            "visitors_expected": got.initial, "visitors_in": got.visiting,
            "visitors_left": got.visited, "no_shows": got.no_show})

    async def aclose(self) -> None:
        await self.client.aclose()


def _badge(found: VendorBadge) -> Badge:
    return Badge(id=str(found.id), code=found.registration_code or str(found.id),
                 state=_BADGE_STATES.get(found.state, "unknown"),
                 building_id=str(found.building.id) if found.building else None,
                 valid_from=found.period.start if found.period else None,
                 valid_until=found.period.end if found.period else None)
