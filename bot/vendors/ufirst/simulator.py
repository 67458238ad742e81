"""A local ufirst Business API that enforces the documented protocol.

It serves the documented paths under ``/v1`` and checks what the real
service would: server credentials (``x-privatekeyid``/``x-clientemail``) on
login and webhooks, HS256 JWTs it signs itself, bound to one userID and
expiring 60 minutes after issue on :attr:`clock`; request bodies against
each service's parameters (regexes, known resources, listed timeslots on
open business days, RFC3339 instants with an offset); capacities per
(resource, date, time); one webhook per point. Errors are JSON bodies
``{"error": code, "message": text, "reservationParameterID": id?}``.

Beyond the document (see :mod:`bot.vendors.ufirst.client`): the point
endpoint accepts ``?date=YYYY-MM-DD`` and then reports ``maxPartySize`` as
the places left on that date; a full timeslot answers 409. The desk's calls,
moves and cancellations (:mod:`.simulator_desk`) call the point's webhook.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.vendors._simulator import SimClock
from bot.vendors._simulator import Simulator as BaseSimulator
from bot.vendors.ufirst import simulator_data as data
from bot.vendors.ufirst.simulator_desk import DeskMixin

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.parameter is not None:
            body["reservationParameterID"] = self.parameter
        return JSONResponse(body, status_code=self.status)


def _hhmm(value: str | time) -> str:
    return value.strftime("%H%M") if isinstance(value, time) else value.replace(":", "").zfill(4)


class Simulator(DeskMixin, BaseSimulator):
    """The ufirst stand-in; inspection helpers at the end are for tests."""

    def __init__(self, clock: SimClock | None = None) -> None:
        super().__init__(clock)
        self.token_lifetime = timedelta(minutes=60)
        self.log: list[tuple[str, str, int]] = []  # (method, path, status) of every request
        self._secret = secrets.token_bytes(32)
        self._logins: Counter[str] = Counter()
        self._booked: Counter[tuple[str, str, str, str]] = Counter()
        self._labels: Counter[str] = Counter()
        self._reservations: dict[str, data.SimReservation] = {}
        self._webhooks: dict[str, dict[str, str]] = {}
        self._init_desk()

    def environment(self, url: str) -> dict[str, str]:
        return {
            "UFIRST_BASE_URL": f"{url}/v1",
            "UFIRST_ORGANIZATION_ID": data.ORGANIZATION_ID,
            "UFIRST_PRIVATE_KEY_ID": data.PRIVATE_KEY_ID,
            "UFIRST_CLIENT_EMAIL": data.CLIENT_EMAIL,
        }

    def app(self) -> Starlette:
        org = "/v1/organizations/{org}"
        routes = [
            (f"{org}/users/{{user}}/login", self._login, "POST"),
            (org, self._organization, "GET"),
            (f"{org}/points/{{point}}", self._point, "GET"),
            (f"{org}/points/{{point}}/services/{{service}}/reservations", self._reserve, "POST"),
            (f"{org}/users/{{user}}/reservations", self._list_reservations, "GET"),
            (f"{org}/users/{{user}}/reservations/{{rid}}", self._delete_reservation, "DELETE"),
            (f"{org}/points/{{point}}/webhooks", self._list_webhooks, "GET"),
            (f"{org}/points/{{point}}/webhooks", self._create_webhook, "POST"),
            (f"{org}/points/{{point}}/webhooks/{{wid}}", self._update_webhook, "PUT"),
            (f"{org}/points/{{point}}/webhooks/{{wid}}", self._delete_webhook, "DELETE"),
        ]
        return Starlette(routes=[Route(p, self._endpoint(h), methods=[m]) for p, h, m in routes])

    def _endpoint(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                if request.path_params["org"] != data.ORGANIZATION_ID:
                    self._credentials(request)  # anonymous callers learn nothing
                    raise _Refused(404, "not_found", "unknown organization")
                response = await handler(request, **{
                    k: v for k, v in request.path_params.items() if k != "org"})
            except _Refused as refused:
                response = refused.response()
            self.log.append((request.method, request.url.path, response.status_code))
            return response
        return endpoint

    # -- authentication -------------------------------------------------

    def _server_auth(self, request: Request) -> None:
        key, email = (request.headers.get("x-privatekeyid"), request.headers.get("x-clientemail"))
        if not key or not email:
            raise _Refused(401, "unauthenticated", "x-privatekeyid and x-clientemail are required")
        if not (hmac.compare_digest(key, data.PRIVATE_KEY_ID)
                and hmac.compare_digest(email, data.CLIENT_EMAIL)):
            raise _Refused(403, "forbidden", "invalid server credentials")

    def _credentials(self, request: Request) -> None:
        if request.headers.get("authorization"):
            self._bearer(request)
        else:
            self._server_auth(request)

    def issue_token(self, user_id: str) -> str:
        now = self.clock.now()
        claims = {"sub": user_id, "org": data.ORGANIZATION_ID, "iat": int(now.timestamp()),
                  "exp": int((now + self.token_lifetime).timestamp())}
        return data.sign_jwt(self._secret, claims)

    def _bearer(self, request: Request) -> str:
        """The userID the request's JWT was issued for."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise _Refused(401, "unauthenticated", "a Bearer JWT is required")
        try:
            claims = data.read_jwt(self._secret, token.strip())
            user, expires = str(claims["sub"]), float(claims["exp"])
        except (ValueError, KeyError, TypeError, AttributeError):
            raise _Refused(401, "invalid_token", "the JWT is malformed or not ours") from None
        if expires <= self.clock.now().timestamp():
            raise _Refused(401, "token_expired", "the JWT has expired")
        if claims.get("org") != data.ORGANIZATION_ID:
            raise _Refused(403, "forbidden", "the JWT belongs to another organization")
        return user

    def _owner(self, request: Request, user: str) -> None:
        if self._bearer(request) != user:
            raise _Refused(403, "forbidden", "this JWT was issued for another user")

    async def _login(self, request: Request, user: str) -> Response:
        if not request.headers.get("x-privatekeyid") and request.headers.get("authorization"):
            self._owner(request, user)  # another user's JWT on this path: 403
            raise _Refused(401, "unauthenticated", "login requires server credentials")
        self._server_auth(request)
        self._logins[user] += 1
        return JSONResponse(self.issue_token(user))

    # -- organization and points ----------------------------------------

    async def _organization(self, request: Request) -> Response:
        self._bearer(request)
        points = [p.summary() for p in data.POINTS.values()]
        return JSONResponse(data.organization_info() | {"points": points})

    def _find_point(self, point_id: str) -> data.SimPoint:
        point = data.POINTS.get(point_id)
        if point is None:
            raise _Refused(404, "not_found", f"unknown point {point_id}")
        return point

    async def _point(self, request: Request, point: str) -> Response:
        self._bearer(request)
        found = self._find_point(point)
        raw = request.query_params.get("date")
        if raw is None:
            return JSONResponse(found.full(lambda service, resource, t: resource.capacity))
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise _Refused(400, "invalid_date", "date must be YYYY-MM-DD") from None
        return JSONResponse(found.full(
            lambda service, resource, t: self.remaining(found.id, resource.id, day, t)))

    # -- reservations ---------------------------------------------------

    async def _reserve(self, request: Request, point: str, service: str) -> Response:
        user = self._bearer(request)
        found = self._find_point(point)
        offered = found.service(service)
        if offered is None:
            raise _Refused(404, "not_found", f"unknown service {service}")
        if not offered.active:
            raise _Refused(400, "service_inactive", f"service {service} is not active")
        try:
            body = await request.json()
        except ValueError:
            raise _Refused(400, "invalid_body", "the body must be JSON") from None
        values = self._values(body, offered)
        for parameter in offered.details:
            if not re.search(parameter.regex or "", values[parameter.id]):
                raise _Refused(400, "invalid_parameter", f"the value does not match "
                               f"{parameter.regex}", parameter.id)
        resource, start, sent = self._timeslot(values[data.TIMESLOT.id], found, offered)
        channel = body.get("notificationChannel")
        if channel is not None and not isinstance(channel, str):
            raise _Refused(400, "invalid_body", "notificationChannel must be a string")
        key = (found.id, resource.id, start.date().isoformat(), start.strftime("%H%M"))
        if self._booked[key] >= resource.capacity:
            raise _Refused(409, "timeslot_full", f"the {start:%H:%M} timeslot of {resource.name}"
                           f" on {start:%Y-%m-%d} is full", data.TIMESLOT.id)
        self._booked[key] += 1
        self._labels[offered.id] += 1
        reservation = data.SimReservation(
            id=secrets.token_hex(12), label=f"{offered.letter}{self._labels[offered.id]}",
            user_id=user, point=found, service=offered, resource_id=resource.id, start=start,
            sent_start=sent, created_at=self.clock.now().astimezone(ZoneInfo(found.timezone)),
            values={k: v for k, v in values.items() if isinstance(v, str)},
            notification_channel=channel,
        )
        self._reservations[reservation.id] = reservation
        return JSONResponse(reservation.to_json(), status_code=201)

    @staticmethod
    def _values(body: Any, service: data.SimService) -> dict[str, Any]:
        items = body.get("reservationParametersValues") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise _Refused(400, "invalid_body", "reservationParametersValues must be a list")
        known = {p.id for p in service.parameters}
        values: dict[str, Any] = {}
        for item in items:
            pid = item.get("reservationParameterID") if isinstance(item, dict) else None
            if not isinstance(pid, str) or pid not in known or pid in values:
                raise _Refused(400, "invalid_parameter", "unknown or repeated parameter",
                               pid if isinstance(pid, str) else None)
            value = item.get("selectedAvailability" if pid == data.TIMESLOT.id
                             else "reservationParameterValue")
            if not isinstance(value, dict if pid == data.TIMESLOT.id else str):
                raise _Refused(400, "invalid_parameter", "missing or malformed value", pid)
            values[pid] = value
        for parameter in service.parameters:
            if parameter.id not in values:
                raise _Refused(400, "missing_parameter", "a value is required", parameter.id)
        return values

    def _timeslot(self, selected: dict[str, Any], point: data.SimPoint,
                  service: data.SimService) -> tuple[data.SimResource, datetime, str]:
        def refuse(message: str) -> _Refused:
            return _Refused(400, "invalid_timeslot", message, data.TIMESLOT.id)

        resource = service.resource(str(selected.get("resourceID")))
        if resource is None:
            raise refuse("unknown resourceID for this service")
        sent = selected.get("timeslotStartTimeRFC3339")
        if not isinstance(sent, str) or not _RFC3339.match(sent):
            raise refuse("timeslotStartTimeRFC3339 must be RFC3339 with an offset")
        start = datetime.fromisoformat(sent).astimezone(ZoneInfo(point.timezone))
        if start.second or start.microsecond or start.strftime("%H%M") not in resource.times:
            raise refuse(f"{start:%H:%M} is not a timeslot of {resource.name}")
        if not point.is_open(start):
            raise refuse(f"the point is closed on {start:%A %Y-%m-%d at %H:%M}")
        if start <= self.clock.now():
            raise refuse("the timeslot has already started")
        return resource, start, sent

    async def _list_reservations(self, request: Request, user: str) -> Response:
        self._owner(request, user)
        return JSONResponse([r.to_json() for r in self.reservations_for(user)])

    async def _delete_reservation(self, request: Request, user: str, rid: str) -> Response:
        self._owner(request, user)
        reservation = self._reservations.get(rid)
        if reservation is None or reservation.user_id != user:
            raise _Refused(404, "not_found", "no such reservation")
        del self._reservations[rid]
        if reservation.state != "cancelled":  # a cancelled one gave its place back already
            self._booked[reservation.slot_key] -= 1
        return Response(status_code=204)

    # -- webhooks ---------------------------------------------------------

    def _webhook_body(self, body: Any) -> dict[str, str]:
        if not isinstance(body, dict) or body.get("target") not in data.WEBHOOK_TARGETS:
            raise _Refused(400, "invalid_target", f"target must be one of "
                           f"{sorted(data.WEBHOOK_TARGETS)}")
        url = body.get("url")
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            raise _Refused(400, "invalid_url", "url must be an http(s) URL")
        return {"target": body["target"], "url": url}

    async def _json(self, request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise _Refused(400, "invalid_body", "the body must be JSON") from None

    async def _list_webhooks(self, request: Request, point: str) -> Response:
        self._server_auth(request)
        hook = self._webhooks.get(self._find_point(point).id)
        return JSONResponse([hook] if hook else [])

    async def _create_webhook(self, request: Request, point: str) -> Response:
        self._server_auth(request)
        self._find_point(point)
        fields = self._webhook_body(await self._json(request))
        if point in self._webhooks:
            raise _Refused(409, "conflict", "only a single webhook per point is allowed")
        self._webhooks[point] = {"id": secrets.token_hex(12), **fields}
        return JSONResponse(self._webhooks[point], status_code=201)

    def _existing_webhook(self, point: str, wid: str) -> dict[str, str]:
        hook = self._webhooks.get(self._find_point(point).id)
        if hook is None or hook["id"] != wid:
            raise _Refused(404, "not_found", "no such webhook")
        return hook

    async def _update_webhook(self, request: Request, point: str, wid: str) -> Response:
        self._server_auth(request)
        hook = self._existing_webhook(point, wid)
        hook.update(self._webhook_body(await self._json(request)))
        return JSONResponse(hook)

    async def _delete_webhook(self, request: Request, point: str, wid: str) -> Response:
        self._server_auth(request)
        self._existing_webhook(point, wid)
        del self._webhooks[point]
        return Response(status_code=204)

    # -- inspection for tests ---------------------------------------------

    def login_count(self, user_id: str) -> int:
        return self._logins[user_id]

    def reservations_for(self, user_id: str) -> list[data.SimReservation]:
        mine = [r for r in self._reservations.values() if r.user_id == user_id]
        return sorted(mine, key=lambda r: (r.start, r.id))

    def remaining(self, point: str, resource: str, day: date | str, at: str | time) -> int:
        """Places left at ``at`` (``"1100"``, ``"11:00"`` or a time) on ``day``."""
        found = next(r for s in data.POINTS[point].services for r in s.resources
                     if r.id == resource)
        day = day.isoformat() if isinstance(day, date) else day
        return found.capacity - self._booked[(point, resource, day, _hhmm(at))]

    def webhooks_for(self, point: str) -> list[dict[str, str]]:
        hook = self._webhooks.get(point)
        return [dict(hook)] if hook else []

    def statuses(self, method: str, path_suffix: str) -> list[int]:
        """Statuses answered to ``method`` requests whose path ends with ``path_suffix``."""
        return [s for m, p, s in self.log if m == method and p.endswith(path_suffix)]
