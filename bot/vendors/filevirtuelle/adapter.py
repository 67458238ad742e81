"""FileVirtuelle playing the queue role (:class:`~bot.vendors.roles.queue.QueueRole`).

* sites are the suborganizations (stores) of the key (of
  ``FILEVIRTUELLE_ORGANIZATION_ID`` when set); contact modes come from
  ``undigital`` (name), ``sms.activated`` (phone), ``email.activated``;
* choices are the store's prequalifications: roots first, then each node's
  ``prequalifications`` children, ordered by ``machine_order``, hiding those
  listed for other ticket machines only; names in the asked language, else
  in the store's first language;
* joining is ``POST /register`` through the ticket machine; an appointment
  adds ``meeting``, its UTC ``mtimestamp`` and ``external_meeting_id``;
  leaving is ``DELETE /customer/{id}``; staff ``/next`` is ``POST /next``;
* a snapshot is ONE ``GET /customers`` per store (search + projection):
  waiting = neither called nor processed, in ``stimestamp`` order (the
  prioritized first); recent processing times from ``ttp``.

Stores, devices and trees are cached for :data:`STRUCTURE_TTL` seconds, so
polling costs one request per store. User-facing calls are interactive in
the request budget; snapshots are background and refused (``RateLimited``)
rather than delaying anybody.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from statistics import fmean
from typing import Any

from bot.vendors._cache import TtlCache
from bot.vendors.errors import (
    InputRejected,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    VendorError,
)
from bot.vendors.filevirtuelle.budget import Priority, RequestBudget
from bot.vendors.filevirtuelle.client import FileVirtuelleClient
from bot.vendors.filevirtuelle.config import Settings
from bot.vendors.filevirtuelle.errors import VENDOR
from bot.vendors.filevirtuelle.models import (
    Customer,
    Device,
    Prequalification,
    Registration,
    Suborganization,
    utc_iso,
)
from bot.vendors.roles.queue import (
    CalledTicket,
    Choice,
    ContactMode,
    Desk,
    JoinRequest,
    NoticeRule,
    QueueRole,
    QueueSite,
    QueueSnapshot,
    Ticket,
)

STRUCTURE_TTL = 600.0  # seconds stores, devices and choice trees are reused
RECENT = 10  # processed customers averaged for the processing time
MACHINE, DESK = "machine", "desk"
INTERACTIVE, BACKGROUND = Priority.INTERACTIVE, Priority.BACKGROUND
ALL = ""  # the one key of the caches holding a single value (all stores, all devices)


def _ticket(store_id: str, customer: Customer) -> Ticket:
    state = "done" if customer.processed else "called" if customer.called else "waiting"
    return Ticket(vendor=VENDOR, external_id=customer.id, site_id=store_id,
                  number=customer.ticket or customer.id, state=state)


def contact_modes(store: Suborganization) -> frozenset[ContactMode]:
    modes: set[ContactMode] = set()
    if store.undigital:
        modes.add("name")
    if store.sms.activated:
        modes.add("phone")
    if store.email.activated:
        modes.add("email")
    return frozenset(modes)


def notice_rule(store: Suborganization) -> NoticeRule:
    """The store's comeback rule: ``ptc`` people left, or ``ttc`` minutes left when
    ``call_by_people`` is off (``ptc`` still counts while no wait can be estimated)."""
    if store.call_by_people:
        return NoticeRule(people_ahead=store.ptc)
    return NoticeRule(minutes_left=store.ttc, people_ahead=store.ptc)


def localized(names: dict[str, str], language: str, langs: list[str], default: str) -> str:
    """The name in ``language``, else the store's first language, else any."""
    upper = {k.upper(): v for k, v in names.items() if v}
    for code in (language.upper(), *(lang.upper() for lang in langs[:1])):
        if code in upper:
            return upper[code]
    return next(iter(upper.values()), default)


def api_language(language: str, langs: list[str]) -> str:
    """The person's language when the store speaks it, else the store's first."""
    code = language[:2].upper()
    offered = [lang.upper() for lang in langs]
    return code if not offered or code in offered else offered[0]


class FileVirtuelleVendor(QueueRole):
    name = VENDOR

    def __init__(self, settings: Settings, deps: Any = None, *,
                 budget: RequestBudget | None = None, clock: Callable[[], float] = time.time):
        self.settings = settings
        self.client = FileVirtuelleClient(settings, transport=getattr(deps, "transport", None),
                                          budget=budget, counter=getattr(deps, "counter", None),
                                          clock=clock)
        self._clock = clock
        self._stores: TtlCache[str, dict[str, Suborganization]] = TtlCache(STRUCTURE_TTL)
        self._devices: TtlCache[str, list[Device]] = TtlCache(STRUCTURE_TTL)
        self._trees: TtlCache[str, dict[str, Prequalification]] = TtlCache(STRUCTURE_TTL)
        self._snapshots: deque[float] = deque()  # when polling spent a permit (last minute)

    @property
    def title(self) -> str:
        info = self.client.known_info
        return info.name if info is not None and info.name else self.name

    # -- cached structure ---------------------------------------------------------

    async def _store_map(self, priority: Priority) -> dict[str, Suborganization]:
        async def load() -> dict[str, Suborganization]:
            stores = await self.client.suborganizations(priority)
            self._spent(priority)
            return {s.id: s for s in stores}
        return await self._stores.get(ALL, load)

    def _spent(self, priority: Priority) -> None:
        """Remember a permit polling spent, so :meth:`poll_interval` can tell it
        from what people used."""
        if priority is BACKGROUND:
            self._snapshots.append(self._clock())

    async def _store(self, site_id: str, priority: Priority = INTERACTIVE) -> Suborganization:
        store = (await self._store_map(priority)).get(site_id)
        if store is None:
            raise NotFound(f"store {site_id}", vendor=VENDOR)
        return store

    async def _device_list(self, priority: Priority = INTERACTIVE) -> list[Device]:
        return await self._devices.get(ALL, lambda: self.client.devices(priority))

    async def _tree(self, site_id: str) -> dict[str, Prequalification]:
        async def load() -> dict[str, Prequalification]:
            return {p.id: p for p in await self.client.prequalifications(site_id)}
        return await self._trees.get(site_id, load)

    async def _machine(self, store: Suborganization) -> str:
        """The configured ticket machine if it serves this store, else the store's own."""
        configured = self.settings.machine_id
        devices = self._devices.peek(ALL) if configured else await self._device_list()
        machines = [d for d in devices or [] if d.type == MACHINE]
        candidates = [
            *(d.id for d in machines if d.id == configured and d.suborganization in ("", store.id)),
            *(d.id for d in machines if d.suborganization == store.id),
            *(d.id for d in machines if not d.suborganization),
            *([configured] if configured else []),
        ]
        if not candidates:
            raise ServiceUnavailable(f"no ticket machine for store {store.id}", vendor=VENDOR)
        return candidates[0]

    # -- joining --------------------------------------------------------------------

    async def queue_sites(self) -> list[QueueSite]:
        return [
            QueueSite(id=s.id, name=s.name, timezone=s.tz,
                      languages=tuple(lang.lower() for lang in s.langs),
                      contact_modes=contact_modes(s))
            for s in (await self._store_map(INTERACTIVE)).values()
        ]

    async def choices(self, site_id: str, parent_id: str | None, language: str) -> list[Choice]:
        store = await self._store(site_id)
        tree = await self._tree(site_id)
        if parent_id is None:
            nodes = [n for n in tree.values() if n.root]
        elif parent_id in tree:
            nodes = [tree[c] for c in tree[parent_id].prequalifications if c in tree]
        else:
            raise NotFound(f"choice {parent_id}", vendor=VENDOR)
        if any(n.machines for n in nodes):
            machine = await self._machine(store)
            nodes = [n for n in nodes if not n.machines or machine in n.machines]
        return [
            Choice(id=n.id, site_id=site_id, name=localized(n.name, language, store.langs, n.id),
                   has_children=any(c in tree for c in n.prequalifications),
                   appointment=n.meeting)
            for n in sorted(nodes, key=lambda n: n.machine_order)
        ]

    async def join(self, request: JoinRequest) -> Ticket:
        store = await self._store(request.site_id)
        if request.contact_mode not in contact_modes(store):
            raise InputRejected(f"{store.name} does not register by {request.contact_mode}",
                                field="contact_mode", vendor=VENDOR)
        value = request.contact_value.strip()
        if not value:
            raise InputRejected("empty contact", field="contact_value", vendor=VENDOR)
        registration = Registration(
            lang=api_language(request.language, store.langs),
            prequalification=request.choice_id,
            prequalifications_path=list(request.choice_path),
            suborganization=store.id,
            machine=await self._machine(store),
            **{request.contact_mode: value},
        )
        if request.appointment is not None:
            registration = registration.model_copy(update={
                "meeting": True,
                "mtimestamp": utc_iso(request.appointment.start),
                "external_meeting_id": request.appointment.external_id,
            })
        elif request.claim_key is not None:
            registration = registration.model_copy(update={"external_meeting_id": request.claim_key})
        customer = await self.client.register(registration)
        return _ticket(store.id, customer)

    async def find_joined(self, request: JoinRequest) -> Ticket | None:
        """The registration carrying this join's external id (the appointment's
        own, else the claim key), if the store has one."""
        external = request.appointment.external_id if request.appointment else request.claim_key
        if external is None:
            return None
        store = await self._store(request.site_id)
        found = await self.client.registered_as(store.id, external)
        return _ticket(store.id, found[-1]) if found else None

    async def leave(self, ticket: Ticket) -> None:
        try:
            await self.client.delete_customer(ticket.external_id)
        except NotFound:
            pass  # already served, expired or removed at the desk

    # -- the live queue ---------------------------------------------------------------

    async def _optional_devices(self) -> list[Device] | None:
        cached = self._devices.peek(ALL)
        if cached is not None:
            return cached
        try:
            devices = await self._device_list(BACKGROUND)
        except RateLimited:
            return None
        self._spent(BACKGROUND)
        return devices

    async def snapshot(self, site_id: str) -> QueueSnapshot:
        store = await self._store(site_id, BACKGROUND)
        taken_at = datetime.fromtimestamp(self._clock(), timezone.utc)
        since = taken_at - timedelta(minutes=self.settings.snapshot_lookback_minutes)
        try:
            customers = await self.client.customers(store.id, since, BACKGROUND)
        except RateLimited:
            raise  # refused by the budget: no request was made
        except VendorError:
            self._spent(BACKGROUND)
            raise
        self._spent(BACKGROUND)
        devices = await self._optional_devices()
        names = {d.id: d.name or next(iter(d.html_name.values()), d.id) for d in devices or []}
        waiting = sorted((c for c in customers if c.waiting),
                         key=lambda c: (not c.prioritized, c.stimestamp or taken_at, c.id))
        called = sorted((c for c in customers if not c.waiting),
                        key=lambda c: c.called_at or taken_at, reverse=True)
        open_desks = None if devices is None else sum(
            1 for d in devices
            if d.type == DESK and d.suborganization == store.id and d.status.open
            and not d.status.pause)
        return QueueSnapshot(
            site_id=store.id, taken_at=taken_at,
            waiting=tuple(c.id for c in waiting),
            called=tuple(self._called(c, names) for c in called),
            average_processing_minutes=self._processing_minutes(called, site_id),
            open_desks=open_desks, notice=notice_rule(store),
        )

    @staticmethod
    def _called(customer: Customer, desk_names: dict[str, str]) -> CalledTicket:
        return CalledTicket(
            ticket_id=customer.id, number=customer.ticket or customer.id,
            state="done" if customer.processed else "called",
            desk_name=desk_names.get(customer.desk, customer.desk or None),
            called_at=customer.called_at,
        )

    def _processing_minutes(self, called: list[Customer], site_id: str) -> float | None:
        recent = [c.ttp for c in called if c.processed and c.ttp][:RECENT]
        if recent:
            return fmean(recent)
        tree = self._trees.peek(site_id)
        estimates = [p.waiting for p in (tree or {}).values() if p.waiting > 0]
        return fmean(estimates) if estimates else None

    # -- staff ----------------------------------------------------------------------------

    async def desks(self, site_id: str) -> list[Desk]:
        await self._store(site_id)
        return [
            Desk(id=d.id, site_id=site_id, name=d.name or d.id,
                 open=d.status.open and not d.status.pause)
            for d in await self._device_list() if d.type == DESK and d.suborganization == site_id
        ]

    async def call_next(self, site_id: str, desk_id: str) -> Ticket | None:
        customer = await self.client.next(site_id, desk_id)
        if customer is None:
            return None
        desk = next((d for d in await self._device_list() if d.id == desk_id), None)
        return Ticket(vendor=VENDOR, external_id=customer.id, site_id=site_id,
                      number=customer.ticket or customer.id, state="called",
                      desk_name=desk.name if desk else desk_id)

    async def callback_url(self) -> str | None:
        return (await self.client.info()).urls.next or None

    def poll_interval(self, sites: int) -> float:
        """Spread over the stores what the budget leaves to polling: background
        calls may use ``background_limit`` permits a calendar minute *including*
        everybody else's, so what people used this minute (registering, staff
        calls) is taken off first, and 80 % of the rest is planned (the margin
        absorbs callback-triggered snapshots). With nothing left this minute,
        the next poll is when the next minute starts (the vendor counts per
        calendar minute), so a called customer hears within a minute at worst.
        After a 429, not before the pause ends. The floor (how often is useful
        at all) is the caller's setting."""
        budget = self.client.budget
        if budget.background_limit <= 0:
            return 60.0
        now = self._clock()
        minute_start = now - now % 60.0
        while self._snapshots and self._snapshots[0] < minute_start:
            self._snapshots.popleft()
        interactive = max(0, budget.used() - len(self._snapshots))
        spare = 0.8 * (budget.background_limit - interactive)
        if spare < 1.0 or budget.remaining() == 0:
            return max(budget.minute_left(), budget.paused_for())
        return max(60.0 * max(1, sites) / spare, budget.paused_for())

    async def aclose(self) -> None:
        await self.client.aclose()
