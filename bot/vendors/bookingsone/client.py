"""The Bookings ONE external API v1 over HTTP, and nothing else.

Authentication is the API access token, either as the HTTP Basic username
with an empty password (the documented default) or alone as the
``Authorization`` header (``BOOKINGSONE_AUTH=header``). Every path is in
:data:`PATHS`, so the table can be checked against the vendor's OpenAPI
file in one place.

Only ``/API/external/system/v1/information`` is written out in the
document; the other paths are inferred. No public copy of the vendor's
OpenAPI file or an SDK could be found (searched: public code and
documentation indexes for "Bookings ONE", ``/API/external/``,
``bookableResource``), so each path follows the documented one:
``/API/external/<section>/v1/<name>``, where ``<section>`` is the
document's section title in lower camel case (System, Building,
BookableResource, Booking, VisitorManagement, VisitingAppointment,
Dashboard) and ``<name>`` the operation's object ("Get resource
appointments" -> ``resourceAppointment``, "Get visitor badge information"
-> ``visitorBadge``, "Get daily visitor analytics result" ->
``dailyVisitorAnalytics``, "Subscribe resource appointment change" ->
``subscribe`` under ``bookableResource``, where the document lists it).
"By id" reads append ``/{id}``; searches take the documented query
parameters on the collection path.

Other assumptions, all implemented by the simulator: pages are 1-based and
``metaData`` may carry ``totalCount`` (otherwise a short page is the last);
a subscription is answered with its id as a JSON string and cannot be
cancelled (the document has no such call), so it is dropped by letting it
expire; the vendor counts ``expireTime`` on its own clock, which the client
follows through each answer's ``Date`` header (:meth:`now`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import httpx
from pydantic import BaseModel

from bot.vendors._http import VendorHttp, parse_payload
from bot.vendors.bookingsone.config import Settings
from bot.vendors.bookingsone.models import (
    Appointment,
    Badge,
    Building,
    DailyVisitors,
    Page,
    Resource,
    SystemInfo,
    VisitingAppointment,
)
from bot.vendors.errors import InputRejected, NotFound, ServiceUnavailable

log = logging.getLogger("bot.vendors.bookingsone")

VENDOR = "bookingsone"
ROOT = "/API/external"

PATHS: Mapping[str, str] = {
    "information": f"{ROOT}/system/v1/information",  # documented
    "buildings": f"{ROOT}/building/v1",
    "building": f"{ROOT}/building/v1/{{id}}",
    "resources": f"{ROOT}/bookableResource/v1",
    "resource": f"{ROOT}/bookableResource/v1/{{id}}",
    "subscribe": f"{ROOT}/bookableResource/v1/subscribe",
    "appointments": f"{ROOT}/booking/v1/resourceAppointment",
    "badges": f"{ROOT}/visitorManagement/v1/visitorBadge",
    "badge": f"{ROOT}/visitorManagement/v1/visitorBadge/{{id}}",
    "visits": f"{ROOT}/visitingAppointment/v1",
    "daily_visitors": f"{ROOT}/dashboard/v1/dailyVisitorAnalytics",
}

MAX_EXPIRE_MINUTES = 1440
ROWS = 50  # the vendor's default page size
MAX_PAGES = 40  # a runaway pager stops here: 2000 rows is more than an office has

M = TypeVar("M", bound=BaseModel)
When = datetime | str  # an aware datetime, or "now"


def iso(value: When) -> str:
    """``now`` or ISO 8601 with the offset, as the vendor accepts."""
    if isinstance(value, str):
        if value != "now":
            raise ValueError("only 'now' is accepted as a word")
        return value
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.isoformat(timespec="seconds")


def day_start(day: date, zone: str) -> str:
    """``2022-01-05T00:00:00+08:00``: the day with the offset it has in ``zone``."""
    return datetime.combine(day, time(0), ZoneInfo(zone)).isoformat(timespec="seconds")


def _ids(values: Any) -> str:
    return ",".join(str(v) for v in values)


class BookingsOneClient:
    """One API key's view of a Bookings ONE server."""

    def __init__(self, settings: Settings, *,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not settings.enabled or settings.api_key is None:
            raise ServiceUnavailable("bookingsone is not configured", vendor=VENDOR)
        self.settings = settings
        key = settings.api_key.get_secret_value()
        headers = {"Accept": "application/json"}
        self._auth: httpx.Auth | None = None
        if settings.auth == "basic":
            self._auth = httpx.BasicAuth(key, "")
        else:
            headers["Authorization"] = key
        self.http = VendorHttp(VENDOR, settings.base_url or "", transport=transport,
                               headers=headers, deadline=settings.deadline_seconds)
        self.skew = timedelta()
        self._info: SystemInfo | None = None
        self._info_lock = asyncio.Lock()

    # -- plumbing -------------------------------------------------------------------

    def now(self) -> datetime:
        """The vendor's time as its last answer's ``Date`` header tells (UTC)."""
        return datetime.now(timezone.utc) + self.skew

    def _follow_clock(self, response: httpx.Response) -> None:
        # A server may add its own Date before the application's; the last one is the app's.
        stamps = response.headers.get_list("date")
        if not stamps:
            return
        try:
            theirs = parsedate_to_datetime(stamps[-1])
        except (TypeError, ValueError):
            return
        if theirs.tzinfo is not None:
            self.skew = theirs - datetime.now(timezone.utc)

    async def _send(self, method: str, name: str, *, path_id: Any = None,
                    params: dict[str, Any] | None = None, json: Any = None) -> Any:
        path = PATHS[name].format(id=path_id) if path_id is not None else PATHS[name]
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        response = await self.http.request(method, path, params=clean, json=json,
                                           auth=self._auth or httpx.USE_CLIENT_DEFAULT)
        self._follow_clock(response)
        if response.status_code in (400, 422):
            raise InputRejected(response.text[:200] or f"HTTP {response.status_code}",
                                vendor=VENDOR)
        self.http.raise_for_common_status(response)
        try:
            return response.json()
        except ValueError:
            raise ServiceUnavailable(f"{method} {path}: not JSON", vendor=VENDOR) from None

    @staticmethod
    def _parse(model: Any, data: Any) -> Any:
        return parse_payload(model, data, VENDOR)

    async def _all(self, name: str, model: type[M], params: dict[str, Any]) -> list[M]:
        """Every page of a search (``page`` from 1, ``row`` per page)."""
        items: list[M] = []
        for page in range(1, MAX_PAGES + 1):
            data = await self._send("GET", name, params=params | {"page": page, "row": ROWS})
            got: Page[M] = self._parse(Page[model], data)  # type: ignore[valid-type]
            items.extend(got.data)
            if len(got.data) < ROWS or (got.meta.total is not None and len(items) >= got.meta.total):
                return items
        log.warning("bookingsone: %s has more than %d pages; reading stopped", name, MAX_PAGES)
        return items

    # -- system -------------------------------------------------------------------------

    @property
    def known_info(self) -> SystemInfo | None:
        """The system information if it has been read already (no request)."""
        return self._info

    async def information(self, *, refresh: bool = False) -> SystemInfo:
        """The server's name and version, read once (and logged) before the first call."""
        if self._info is not None and not refresh:
            return self._info
        async with self._info_lock:
            if self._info is None or refresh:
                info = self._parse(SystemInfo, await self._send("GET", "information"))
                log.info("vendor=bookingsone server name=%r version=%s environment=%s",
                         info.name, info.version, info.environment)
                self._info = info
        return self._info

    # -- buildings and resources ------------------------------------------------------------

    async def buildings(self) -> list[Building]:
        return await self._all("buildings", Building, {"isDeleted": "false"})

    async def building(self, building_id: int | str) -> Building:
        return self._parse(Building, await self._send("GET", "building", path_id=building_id))

    async def resources(self, *, floor_ids: list[int] | None = None, types: tuple[str, ...] = (),
                        min_capacity: int | None = None, max_capacity: int | None = None,
                        ids: list[int | str] | None = None,
                        include_deleted: bool = False) -> list[Resource]:
        """Bookable resources; ``min_capacity`` means "capacity of at least" (see below)."""
        params: dict[str, Any] = {
            "floorId": _ids(floor_ids) if floor_ids else None,
            "type": ",".join(types) or None,
            "id": _ids(ids) if ids else None,
            # The document says "larger than"; whether that is strict is not said, so
            # ask for one less and filter here: the answer is right either way.
            "minCapacity": min_capacity - 1 if min_capacity else None,
            "maxCapacity": max_capacity + 1 if max_capacity is not None else None,
            "isDeleted": None if include_deleted else "false",
        }
        found = await self._all("resources", Resource, params)
        return [r for r in found
                if (include_deleted or not r.is_deleted)
                and (not min_capacity or (r.capacity or 0) >= min_capacity)
                and (max_capacity is None or (r.capacity or 0) <= max_capacity)]

    async def resource(self, resource_id: int | str) -> Resource:
        return self._parse(Resource, await self._send("GET", "resource", path_id=resource_id))

    async def appointments(self, start: When, end: When, *,
                           resource_ids: list[int | str] | None = None,
                           types: tuple[str, ...] = (),
                           states: tuple[str, ...] = ()) -> list[Appointment]:
        params = {"from": iso(start), "to": iso(end),
                  "bookableResourceId": _ids(resource_ids) if resource_ids else None,
                  "bookableResourceType": ",".join(types) or None,
                  "bookingState": ",".join(states) or None}
        return await self._all("appointments", Appointment, params)

    # -- visitors -------------------------------------------------------------------------------

    async def badge(self, badge_id: int | str) -> Badge:
        return self._parse(Badge, await self._send("GET", "badge", path_id=badge_id))

    async def search_badges(self, *, codes: tuple[str, ...] = (), ids: tuple[str, ...] = (),
                            building_ids: tuple[str, ...] = (), states: tuple[str, ...] = (),
                            start: When | None = None, end: When | None = None) -> list[Badge]:
        params = {"registrationCode": ",".join(codes) or None, "id": ",".join(ids) or None,
                  "buildingId": ",".join(building_ids) or None,
                  "state": ",".join(states) or None,
                  "from": iso(start) if start is not None else None,
                  "to": iso(end) if end is not None else None}
        return await self._all("badges", Badge, params)

    async def visits(self, start: When, end: When, *, visitor_ids: tuple[str, ...] = (),
                     building_ids: tuple[str, ...] = ()) -> list[VisitingAppointment]:
        params = {"from": iso(start), "to": iso(end), "visitorId": ",".join(visitor_ids) or None,
                  "buildingId": ",".join(building_ids) or None}
        return await self._all("visits", VisitingAppointment, params)

    async def daily_visitors(self, day: date, zone: str) -> DailyVisitors:
        data = await self._send("GET", "daily_visitors", params={"date": day_start(day, zone)})
        return self._parse(DailyVisitors, data)

    # -- subscriptions ------------------------------------------------------------------------------

    async def subscribe(self, resource_ids: list[int | str], callback_url: str,
                        minutes: int) -> str:
        """Ask for calls to ``callback_url`` on changes of those resources; the id."""
        if not 1 <= minutes <= MAX_EXPIRE_MINUTES:
            raise ValueError(f"expireTime must be 1..{MAX_EXPIRE_MINUTES} minutes")
        body = {"ids": _ids(resource_ids), "callbackUrl": callback_url, "expireTime": minutes}
        answer = await self._send("POST", "subscribe", json=body)
        if not isinstance(answer, (str, int)) or not str(answer):
            raise ServiceUnavailable("subscribe answered without an id", vendor=VENDOR)
        return str(answer)

    async def aclose(self) -> None:
        await self.http.aclose()
