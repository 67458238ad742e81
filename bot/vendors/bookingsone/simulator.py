"""A local Bookings ONE external API v1 that enforces what the document says.

It serves the paths of :data:`bot.vendors.bookingsone.client.PATHS` (the
table is shared, so a path inferred wrongly is wrong in one place) and
checks the API key: as the Basic username with an empty password, or alone
as the ``Authorization`` header; anything else answers 401. Searches take
the documented filters and ``page``/``row`` (1-based, 50 rows by default)
and answer ``{"data": [...], "metaData": {page, row, totalCount}}``.
``from``/``to`` take ISO 8601 with an offset or ``now`` (anything else:
400); ``expireTime`` must be 1..1440 minutes. Every answer carries the
simulator's movable clock in its ``Date`` header.

Subscriptions call their ``callbackUrl`` (in the background, logged in
:attr:`Simulator.callbacks`) when an appointment of a watched resource
changes through the helpers at the end, as long as they have not expired
on the simulator's clock. The payload (undocumented) is
``{"subscriptionId", "ids", "event"}``.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from datetime import date, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.vendors._simulator import SimClock
from bot.vendors._simulator import Simulator as BaseSimulator
from bot.vendors.bookingsone import simulator_data as data
from bot.vendors.bookingsone.client import MAX_EXPIRE_MINUTES, PATHS


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _csv(request: Request, name: str) -> list[str] | None:
    value = request.query_params.get(name)
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


def _int(request: Request, name: str, default: int | None = None) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise Refused(400, f"{name} must be an integer") from None


def _bool(request: Request, name: str) -> bool | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):
        raise Refused(400, f"{name} must be true or false")
    return value.lower() == "true"


class Simulator(BaseSimulator):
    """The Bookings ONE stand-in; the helpers at the end change the office for tests."""

    def __init__(self, clock: SimClock | None = None) -> None:
        super().__init__(clock)
        self.api_key = data.API_KEY
        self.office = data.Office(self.clock.now())
        self.requests: list[tuple[str, str, int]] = []  # (method, path, status)
        self.callbacks: list[tuple[str, dict[str, Any], int | str]] = []

    def environment(self, url: str) -> dict[str, str]:
        zones = ",".join(f"{b}={z}" for b, z in data.ZONES.items())
        return {"BOOKINGSONE_BASE_URL": url, "BOOKINGSONE_API_KEY": self.api_key,
                "BOOKINGSONE_BUILDING_TIMEZONES": zones}

    def app(self) -> Starlette:
        table = [("information", self._information, "GET"),
                 ("buildings", self._buildings, "GET"), ("building", self._building, "GET"),
                 ("subscribe", self._subscribe, "POST"),
                 ("resources", self._resources, "GET"), ("resource", self._resource, "GET"),
                 ("appointments", self._appointments, "GET"),
                 ("badges", self._badges, "GET"), ("badge", self._badge, "GET"),
                 ("visits", self._visits, "GET"), ("daily_visitors", self._daily, "GET")]
        routes = [Route(PATHS[name], self._endpoint(handler), methods=[method])
                  for name, handler, method in table]
        return Starlette(routes=routes)

    def _endpoint(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                self._authenticate(request)
                response: Response = JSONResponse(await handler(request))
            except Refused as refused:
                response = JSONResponse({"message": refused.message}, status_code=refused.status)
            response.headers["date"] = format_datetime(self.clock.now(), usegmt=True)
            self.requests.append((request.method, request.url.path, response.status_code))
            return response
        return endpoint

    def _authenticate(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        given = header
        if header.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise Refused(401, "Unauthorized") from None
            given = user if not password else ""
        if not given or not hmac.compare_digest(given.encode(), self.api_key.encode()):
            raise Refused(401, "Unauthorized")

    def _when(self, request: Request, name: str) -> datetime | None:
        value = request.query_params.get(name)
        if not value:
            return None
        if value == "now":
            return self.clock.now()
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise Refused(400, f"{name}: ISO 8601 or 'now'") from None
        if parsed.tzinfo is None:
            raise Refused(400, f"{name}: an offset is required")
        return parsed

    def _page(self, request: Request, docs: list[dict[str, Any]]) -> dict[str, Any]:
        page = max(_int(request, "page", 1) or 1, 1)
        row = max(_int(request, "row", 50) or 50, 1)
        chunk = docs[(page - 1) * row: page * row]
        return {"data": chunk, "metaData": {"page": page, "row": row, "totalCount": len(docs)}}

    # -- routes ------------------------------------------------------------------------

    async def _information(self, request: Request) -> Any:
        return {"name": "Bookings ONE", "version": "2.2.0", "environment": "Simulator",
                "clientName": "Demo Ltd."}

    async def _buildings(self, request: Request) -> Any:
        ids, deleted = _csv(request, "id"), _bool(request, "isDeleted")
        docs = [b for b in data.BUILDINGS if (ids is None or str(b["id"]) in ids)
                and (deleted is None or b["isDeleted"] == deleted)]
        return self._page(request, docs)

    async def _building(self, request: Request) -> Any:
        found = next((b for b in data.BUILDINGS if str(b["id"]) == request.path_params["id"]),
                     None)
        if found is None:
            raise Refused(404, "Building not found")
        return found

    async def _resources(self, request: Request) -> Any:
        ids, floors, types = _csv(request, "id"), _csv(request, "floorId"), _csv(request, "type")
        low, high = _int(request, "minCapacity"), _int(request, "maxCapacity")
        deleted = _bool(request, "isDeleted")
        kinds = ("room", "desk", "equipment")
        docs = [r for r in data.RESOURCES
                if (ids is None or str(r["id"]) in ids)
                and (floors is None or str(r["floor"]["id"]) in floors)
                and (types is None or kinds[r["type"]] in types)
                and (low is None or r["capacity"] > low)
                and (high is None or r["capacity"] < high)
                and (deleted is None or r["isDeleted"] == deleted)]
        return self._page(request, docs)

    async def _resource(self, request: Request) -> Any:
        found = next((r for r in data.RESOURCES if str(r["id"]) == request.path_params["id"]),
                     None)
        if found is None:
            raise Refused(404, "Bookable resource not found")
        return found

    async def _appointments(self, request: Request) -> Any:
        start, end = self._when(request, "from"), self._when(request, "to")
        rids, states = _csv(request, "bookableResourceId"), _csv(request, "bookingState")
        types = _csv(request, "bookableResourceType")
        kinds = ("room", "desk", "equipment")
        docs = [a.doc() for a in sorted(self.office.appointments.values(),
                                        key=lambda a: (a.start, a.id))
                if (rids is None or str(a.resource_id) in rids)
                and (states is None or a.state in states)
                and (types is None or kinds[data.BY_ID[a.resource_id]["type"]] in types)
                and (end is None or a.start <= end) and (start is None or a.end > start)]
        return self._page(request, docs)

    async def _subscribe(self, request: Request) -> Any:
        try:
            body = await request.json()
        except ValueError:
            raise Refused(400, "a JSON body is required") from None
        if not isinstance(body, dict):
            raise Refused(400, "a JSON object is required")
        ids, url, minutes = body.get("ids"), body.get("callbackUrl"), body.get("expireTime")
        if not isinstance(ids, str) or not ids.strip():
            raise Refused(400, "ids is required")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise Refused(400, "callbackUrl is required")
        if not isinstance(minutes, int) or not 1 <= minutes <= MAX_EXPIRE_MINUTES:
            raise Refused(400, f"expireTime must be 1..{MAX_EXPIRE_MINUTES}")
        try:
            wanted = frozenset(int(i) for i in ids.split(",") if i.strip())
        except ValueError:
            raise Refused(400, "ids must be numbers") from None
        if not wanted or not wanted <= set(data.BY_ID):
            raise Refused(404, "Bookable resource not found")
        sid = secrets.token_hex(8)
        self.office.subscriptions[sid] = data.Subscription(
            sid, wanted, url, self.clock.now() + timedelta(minutes=minutes))
        return sid

    def _badge_docs(self) -> list[dict[str, Any]]:
        return [b.doc() for b in self.office.badges.values()]

    async def _badges(self, request: Request) -> Any:
        ids, uids = _csv(request, "id"), _csv(request, "uid")
        codes, buildings = _csv(request, "registrationCode"), _csv(request, "buildingId")
        states = _csv(request, "state")
        start, end = self._when(request, "from"), self._when(request, "to")
        docs = [b.doc() for b in self.office.badges.values()
                if (ids is None or str(b.id) in ids) and (uids is None or f"uid-{b.id}" in uids)
                and (codes is None or b.code in codes)
                and (buildings is None or str(b.building_id) in buildings)
                and (states is None or b.state in states)
                and (end is None or b.start <= end) and (start is None or b.end > start)]
        return self._page(request, docs)

    async def _badge(self, request: Request) -> Any:
        key = request.path_params["id"]
        found = next((b for b in self.office.badges.values()
                      if str(b.id) == key or f"uid-{b.id}" == key), None)
        if found is None:
            raise Refused(404, "Visitor badge not found")
        return found.doc()

    async def _visits(self, request: Request) -> Any:
        start, end = self._when(request, "from"), self._when(request, "to")
        visitors, buildings = _csv(request, "visitorId"), _csv(request, "buildingId")
        docs = [{"id": b.id, "subject": f"Visit of {b.visitor}",
                 "period": {"start": b.start.isoformat(), "end": b.end.isoformat()},
                 "bookingState": "booked", "building": {"id": b.building_id},
                 "invitingUser": {"id": 1, "name": "Reception"}}
                for b in self.office.badges.values()
                if (visitors is None or str(5000 + b.id) in visitors)
                and (buildings is None or str(b.building_id) in buildings)
                and (end is None or b.start <= end) and (start is None or b.end > start)]
        return self._page(request, docs)

    async def _daily(self, request: Request) -> Any:
        day = self._when(request, "date")
        if day is None:
            raise Refused(400, "date is required, e.g. 2022-01-05T00:00:00+08:00")
        assert day.tzinfo is not None
        counts = dict.fromkeys(data.BADGE_STATES, 0)
        for badge in self.office.badges.values():
            if badge.start.astimezone(day.tzinfo).date() == day.date():
                counts[badge.state] += 1
        return {"numberOfInitial": counts["initial"], "numberOfVisiting": counts["visiting"],
                "numberOfVisited": counts["visited"], "numberOfNoShow": counts["noShow"]}

    # -- callbacks ------------------------------------------------------------------------

    def changed(self, resource_id: int) -> int:
        """Call back every live subscription watching ``resource_id``; how many."""
        now, called = self.clock.now(), 0
        for sub in list(self.office.subscriptions.values()):
            if sub.expires_at <= now:
                continue
            if resource_id in sub.resource_ids:
                payload = {"subscriptionId": sub.id, "ids": str(resource_id),
                           "event": "resourceAppointmentChanged"}
                self.call_back(sub.url, payload, self.callbacks)
                called += 1
        return called

    # -- for tests and the demo ---------------------------------------------------------------

    def live_subscriptions(self, resource_id: int) -> list[data.Subscription]:
        now = self.clock.now()
        return [s for s in self.office.subscriptions.values()
                if resource_id in s.resource_ids and s.expires_at > now]

    def busy_now(self, resource_id: int) -> bool:
        now = self.clock.now()
        return any(a.resource_id == resource_id and a.start <= now < a.end
                   and a.state in ("booked", "using", "waitingCheckIn")
                   for a in self.office.appointments.values())

    def free_until(self, resource_id: int, at: datetime) -> datetime | None:
        """When a resource free at ``at`` is next taken (None: nothing ahead)."""
        starts = [a.start for a in self.office.appointments.values()
                  if a.resource_id == resource_id and a.start > at
                  and a.state in ("booked", "using", "waitingCheckIn")]
        return min(starts, default=None)

    def end_now(self, resource_id: int) -> int:
        """End the resource's running appointments now (checked out early); callbacks sent."""
        now = self.clock.now()
        for appointment in self.office.appointments.values():
            if appointment.resource_id == resource_id and appointment.start <= now < appointment.end:
                appointment.end, appointment.state = now, "ended"
        return self.changed(resource_id)

    def book(self, resource_id: int, start: datetime, end: datetime,
             subject: str = "Ad-hoc") -> int:
        """Add an appointment (made in the vendor's own apps); callbacks sent."""
        aid = self.office.next_appointment_id()
        self.office.appointments[aid] = data.Appointment(aid, resource_id, start, end, subject)
        self.changed(resource_id)
        return aid

    def visitors_on(self, day: date, zone: str) -> dict[str, int]:
        counts = dict.fromkeys(data.BADGE_STATES, 0)
        for badge in self.office.badges.values():
            if badge.start.astimezone(ZoneInfo(zone)).date() == day:
                counts[badge.state] += 1
        return counts
