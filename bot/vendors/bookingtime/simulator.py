"""A local bookingtime (auth server + Module API) that enforces the protocol.

One loopback app serves both hosts: the auth server under ``/auth``
(``POST /auth/oauth/token``, :mod:`.simulator_auth`) and the Module API
under ``/api`` (``/api/module/v3/{locale}/organization/{org}/...``). It
checks what the real service would:

* the two-step token flow (:class:`~.simulator_auth.TokenServer`);
* API calls need a live access token of the path's organization: none,
  unknown or expired -> 401, another organization's -> 403;
* methods: lists, slots and ``show`` are ``GET``, ``appointment/add`` is
  ``POST``, ``cancel`` and ``move`` are ``PUT`` (as bookingtime's own SDK
  sends them, see :mod:`bot.vendors.bookingtime.client`); any other method
  on those routes is refused with 405, as the real server does;
* template rules: no slot earlier than ``bookingLeadTime`` minutes from now,
  none outside ``bookingDayEarliest``..``bookingDayLatest`` days from today;
  required customer fields; a slot disappears once booked (per template);
* errors are ``{"messageList": [{"class": "MESSAGE", "type": "ERROR", "text",
  "field"?}], "content": null}`` with texts in German for ``de`` and English
  otherwise; ``field`` names the refused input, e.g. ``customer.email``.

Every answer is the envelope ``{"messageList": [...], "content": ...}``.
Cancelled appointments stay showable with ``"status": "CANCELED"``.

``appointment/add`` takes an optional ``customId`` (the caller's own id, as in
bookingtime's public PHP SDK, ``bookingtime/lib-phpsdk-module``), which must
be a short string not held by another live appointment of the organization,
and ``appointment/{customId}/identify`` answers the latest appointment added
with it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.vendors._simulator import SimClock
from bot.vendors._simulator import Simulator as BaseSimulator
from bot.vendors.bookingtime import simulator_data as data
from bot.vendors.bookingtime.simulator_auth import GrantError, TokenServer

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MOBILE = re.compile(r"^\+?[0-9][0-9 ()/-]{5,24}$")
_CUSTOM_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class ApiError(Exception):
    """An answer of the Module API with one ERROR message."""

    def __init__(self, status: int, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.field = status, code, field


class Simulator(BaseSimulator):
    """The bookingtime stand-in; the inspection helpers at the end serve tests."""

    def __init__(self, clock: SimClock | None = None) -> None:
        super().__init__(clock)
        self.tokens = TokenServer(self.clock)
        self.enforce_rules = True  # False: slot lists ignore lead time and day window
        self.slot_list_key = "bookingSlotList"  # or "list": where slot lists are put
        self.errors: Counter[int] = Counter()  # error statuses answered, by status
        self._secret = secrets.token_bytes(16)
        self._slot_ids: dict[str, tuple[str, str, datetime]] = {}
        self._taken: dict[tuple[str, str, datetime], str] = {}
        self._appointments: dict[str, data.SimAppointment] = {}

    def environment(self, url: str) -> dict[str, str]:
        env = {
            "BOOKINGTIME_AUTH_URL": f"{url}/auth",
            "BOOKINGTIME_API_URL": f"{url}/api",
            "BOOKINGTIME_CLIENT_ID": data.CLIENT_ID,
            "BOOKINGTIME_ORGANIZATION_IDS": ",".join(data.ORGANIZATIONS),
            "BOOKINGTIME_LOCALES": ",".join(data.LOCALES),
        }
        if self.tokens.client_secret:
            env["BOOKINGTIME_CLIENT_SECRET"] = self.tokens.client_secret
        return env

    def app(self) -> Starlette:
        org = "/api/module/v3/{locale}/organization/{org}"
        slots = f"{org}/bookingTemplate/{{template}}/bookingSlot"
        routes = [
            Route("/auth/oauth/token", self.tokens.token, methods=["POST"]),
            Route(f"{org}/bookingTemplate/list", self._templates, methods=["GET"]),
            Route(f"{slots}/earliest", self._earliest, methods=["GET"]),
            Route(f"{slots}/year/{{year:int}}/month/{{month:int}}/day/{{day:int}}/listDay",
                  self._list_day, methods=["GET"]),
            Route(f"{slots}/year/{{year:int}}/week/{{week:int}}/listWeek",
                  self._list_week, methods=["GET"]),
            Route(f"{slots}/year/{{year:int}}/month/{{month:int}}/listMonth",
                  self._list_month, methods=["GET"]),
            Route(f"{org}/appointment/add", self._add, methods=["POST"]),
            Route(f"{org}/appointment/{{appointment}}/show", self._show, methods=["GET"]),
            Route(f"{org}/appointment/{{custom_id}}/identify", self._identify, methods=["GET"]),
            Route(f"{org}/appointment/{{appointment}}/cancel", self._cancel, methods=["PUT"]),
            Route(f"{org}/appointment/{{appointment}}/move", self._move, methods=["PUT"]),
        ]
        return Starlette(routes=routes, exception_handlers={
            ApiError: self._api_error, GrantError: self._grant_error})

    # -- answers ----------------------------------------------------------

    @staticmethod
    def _locale(request: Request) -> str:
        return request.path_params.get("locale", "en")

    def _message(self, request: Request, kind: str, code: str,
                 field: str | None = None) -> dict[str, Any]:
        message = {"class": "MESSAGE", "type": kind,
                   "text": data.text(code, self._locale(request))}
        return message | ({"field": field} if field else {})

    async def _api_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        self.errors[exc.status] += 1
        body = {"messageList": [self._message(request, "ERROR", exc.code, exc.field)],
                "content": None}
        return JSONResponse(body, status_code=exc.status)

    async def _grant_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GrantError)
        self.errors[exc.status] += 1
        body = {"error": exc.error, "error_description": exc.description}
        return JSONResponse(body, status_code=exc.status)

    def _ok(self, request: Request, content: Any, done: str | None = None) -> JSONResponse:
        messages = [self._message(request, "SUCCESS", done)] if done else []
        return JSONResponse({"messageList": messages, "content": content})

    # -- Module API: access -------------------------------------------------

    def _organization(self, request: Request) -> data.SimOrganization:
        """The path's organization, once the bearer token is checked against it."""
        held = self.tokens.access(request.headers.get("authorization", ""))
        if held is None:
            raise ApiError(401, "unauthorized")
        if held.expires_at <= self.clock.now():
            raise ApiError(401, "token_expired")
        if held.owner != request.path_params["org"]:
            raise ApiError(403, "forbidden")
        if self._locale(request) not in data.LOCALES:
            raise ApiError(404, "locale_unknown")
        return data.ORGANIZATIONS[held.owner]

    def _template(self, request: Request) -> tuple[data.SimOrganization, data.SimTemplate]:
        organization = self._organization(request)
        template = organization.template(request.path_params["template"])
        if template is None:
            raise ApiError(404, "template_unknown")
        return organization, template

    async def _templates(self, request: Request) -> Response:
        organization = self._organization(request)
        records = [t.to_json(organization.address()) for t in organization.templates]
        return self._ok(request, {"class": "LIST", "recordTotal": len(records),
                                  "recordLimit": 9999, "recordList": records})

    # -- Module API: slots ------------------------------------------------------

    def _slot_id(self, organization: data.SimOrganization, template: data.SimTemplate,
                 start: datetime) -> str:
        key = f"{organization.id}|{template.id}|{start.isoformat()}".encode()
        slot_id = hmac.new(self._secret, key, hashlib.sha256).hexdigest()[:32]
        self._slot_ids[slot_id] = (organization.id, template.id, start)
        return slot_id

    def _allowed(self, organization: data.SimOrganization, template: data.SimTemplate,
                 start: datetime) -> bool:
        """Whether the template's rules allow booking ``start`` now."""
        now = self.clock.now()
        today = now.astimezone(organization.zone).date()
        day = start.astimezone(organization.zone).date()
        return (start >= now + timedelta(minutes=template.lead_time)
                and today + timedelta(days=template.day_earliest) <= day
                and day <= today + timedelta(days=template.day_latest))

    def _free(self, organization: data.SimOrganization, template: data.SimTemplate,
              first: date, last: date) -> list[dict[str, Any]]:
        found = []
        day = first
        while day <= last:
            for start in organization.starts(day, template):
                if self.enforce_rules and not self._allowed(organization, template, start):
                    continue
                if (organization.id, template.id, start) in self._taken:
                    continue
                found.append({"class": "BOOKING_SLOT",
                              "id": self._slot_id(organization, template, start),
                              "timestamp": start.isoformat(),
                              "bookingResourceCombination": [f"br{template.id[4:]}"]})
            day += timedelta(days=1)
        return found

    def _range(self, request: Request, organization: data.SimOrganization, first: date,
               last: date, slots: list[dict[str, Any]]) -> Response:
        zone = organization.zone
        after = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
        return self._ok(request, {
            "rangeStart": datetime.combine(first, datetime.min.time(), tzinfo=zone).isoformat(),
            "rangeEnd": after.isoformat(),
            "timeZone": organization.timezone,
            self.slot_list_key: slots,
        })

    def _days(self, request: Request, first: date, last: date) -> Response:
        organization, template = self._template(request)
        return self._range(request, organization, first, last,
                           self._free(organization, template, first, last))

    async def _earliest(self, request: Request) -> Response:
        organization, template = self._template(request)
        today = self.clock.now().astimezone(organization.zone).date()
        last = today + timedelta(days=template.day_latest)
        for offset in range(template.day_latest + 1):
            day = today + timedelta(days=offset)
            slots = self._free(organization, template, day, day)
            if slots:
                return self._range(request, organization, day, day, slots[:1])
        return self._range(request, organization, today, last, [])

    async def _list_day(self, request: Request) -> Response:
        params = request.path_params
        try:
            day = date(params["year"], params["month"], params["day"])
        except ValueError:
            raise ApiError(400, "date_invalid") from None
        return self._days(request, day, day)

    async def _list_week(self, request: Request) -> Response:
        try:
            params = request.path_params
            monday = date.fromisocalendar(params["year"], params["week"], 1)
        except ValueError:
            raise ApiError(400, "date_invalid") from None
        return self._days(request, monday, monday + timedelta(days=6))

    async def _list_month(self, request: Request) -> Response:
        year, month = request.path_params["year"], request.path_params["month"]
        try:
            first = date(year, month, 1)
            following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        except ValueError:
            raise ApiError(400, "date_invalid") from None
        return self._days(request, first, following - timedelta(days=1))

    # -- Module API: appointments -------------------------------------------

    @staticmethod
    async def _body(request: Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(400, "body_invalid")
        return body

    def _bookable_slot(self, organization: data.SimOrganization, slot_id: Any
                       ) -> tuple[data.SimTemplate, datetime]:
        held = self._slot_ids.get(slot_id) if isinstance(slot_id, str) else None
        if held is None or held[0] != organization.id:
            raise ApiError(400, "slot_unknown", "bookingSlotId")
        template = organization.template(held[1])
        if template is None:
            raise ApiError(400, "slot_unknown", "bookingSlotId")
        start = held[2]
        if held in self._taken or not self._allowed(organization, template, start):
            raise ApiError(409, "slot_taken", "bookingSlotId")
        return template, start

    @staticmethod
    def _text(value: Any) -> str:
        return value.strip() if isinstance(value, str) else ""

    def _address(self, value: Any, code: str, field: str) -> dict[str, Any]:
        if not isinstance(value, dict) or not (self._text(value.get("street"))
                                               and self._text(value.get("city"))):
            raise ApiError(400, code, field)
        return {k: v for k, v in value.items() if isinstance(v, str)}

    def _customer(self, template: data.SimTemplate, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise ApiError(400, "customer_required", "customer")
        customer: dict[str, Any] = {}
        for key, code in (("firstName", "first_name_required"), ("lastName", "last_name_required")):
            customer[key] = self._text(raw.get(key))
            if not customer[key]:
                raise ApiError(400, code, f"customer.{key}")
        for key, required, pattern in (("email", template.email_required, _EMAIL),
                                       ("mobile", template.mobile_required, _MOBILE)):
            value = self._text(raw.get(key))
            if required and not value:
                raise ApiError(400, f"{key}_required", f"customer.{key}")
            if value and not pattern.match(value):
                raise ApiError(400, f"{key}_invalid", f"customer.{key}")
            if value:
                customer[key] = value
        if template.address_required or raw.get("address") is not None:
            customer["address"] = self._address(raw.get("address"), "address_required",
                                                "customer.address")
        return customer

    async def _add(self, request: Request) -> Response:
        organization = self._organization(request)
        body = await self._body(request)
        template, start = self._bookable_slot(organization, body.get("bookingSlotId"))
        customer = self._customer(template, body.get("customer"))
        custom_id = self._custom_id(organization, body.get("customId"))
        place = None
        if template.appointment_address_required:
            place = self._address(body.get("appointmentAddress"),
                                  "appointment_address_required", "appointmentAddress")
        appointment = data.SimAppointment(
            id=secrets.token_hex(16), organization=organization, template=template,
            start=start, customer=customer, appointment_address=place, custom_id=custom_id,
        )
        self._appointments[appointment.id] = appointment
        self._taken[appointment.key] = appointment.id
        return self._ok(request, appointment.to_json(self._locale(request)), "booked")

    def _custom_id(self, organization: data.SimOrganization, raw: Any) -> str | None:
        if raw is None:
            return None
        if not isinstance(raw, str) or not _CUSTOM_ID.match(raw):
            raise ApiError(400, "custom_id_invalid", "customId")
        held = self._identified(organization, raw)
        if held is not None and held.status != "CANCELED":
            raise ApiError(400, "custom_id_taken", "customId")
        return raw

    def _identified(self, organization: data.SimOrganization,
                    custom_id: str) -> data.SimAppointment | None:
        return next((a for a in reversed(self._appointments.values())
                     if a.organization.id == organization.id and a.custom_id == custom_id), None)

    async def _identify(self, request: Request) -> Response:
        appointment = self._identified(self._organization(request),
                                       request.path_params["custom_id"])
        if appointment is None:
            raise ApiError(404, "appointment_unknown")
        return self._ok(request, appointment.to_json(self._locale(request)))

    def _appointment(self, request: Request, *, active: bool) -> data.SimAppointment:
        organization = self._organization(request)
        appointment = self._appointments.get(request.path_params["appointment"])
        if appointment is None or appointment.organization.id != organization.id:
            raise ApiError(404, "appointment_unknown")
        if active and appointment.status == "CANCELED":
            raise ApiError(400, "appointment_cancelled")
        return appointment

    async def _show(self, request: Request) -> Response:
        appointment = self._appointment(request, active=False)
        return self._ok(request, appointment.to_json(self._locale(request)))

    async def _cancel(self, request: Request) -> Response:
        appointment = self._appointment(request, active=True)
        appointment.status = "CANCELED"
        self._taken.pop(appointment.key, None)
        return self._ok(request, appointment.to_json(self._locale(request)), "cancelled")

    async def _move(self, request: Request) -> Response:
        appointment = self._appointment(request, active=True)
        body = await self._body(request)
        template, start = self._bookable_slot(appointment.organization, body.get("bookingSlotId"))
        if template.id != appointment.template.id:
            raise ApiError(400, "slot_other_template", "bookingSlotId")
        self._taken.pop(appointment.key, None)
        appointment.start = start
        self._taken[appointment.key] = appointment.id
        return self._ok(request, appointment.to_json(self._locale(request)), "moved")

    # -- inspection for tests -------------------------------------------------

    def appointment(self, appointment_id: str) -> data.SimAppointment | None:
        return self._appointments.get(appointment_id)

    def appointments(self, organization_id: str | None = None) -> list[data.SimAppointment]:
        return sorted((a for a in self._appointments.values()
                       if organization_id in (None, a.organization.id)),
                      key=lambda a: (a.start, a.id))

    def is_taken(self, organization_id: str, template_id: str, start: datetime) -> bool:
        return (organization_id, template_id, start) in self._taken
