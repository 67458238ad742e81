"""The ufirst Business API over HTTP, and nothing else.

Two kinds of authentication, as the ufirst document describes:

* server to server (login, webhooks): the ``x-privatekeyid`` and
  ``x-clientemail`` headers with our organization's credentials, which never
  leave this process;
* per user (organization, points, reservations): ``Authorization: Bearer``
  with the JWT that login issued *for that userID*. Tokens are kept per user
  in a :class:`~bot.vendors._tokens.TokenCache` (single flight, stored
  encrypted, reused until shortly before expiry) and a 401 causes one fresh
  login and one retry (:class:`~bot.vendors._tokens.CachedTokenAuth`).

Every failure leaves this module as an error of :mod:`bot.vendors.errors`;
this is the one place ufirst statuses and bodies are translated.

Assumptions where the document is silent (the simulator implements them):

* ``GET .../points/{pointID}?date=YYYY-MM-DD``: the documented point payload
  lists each resource's daily timeslots (``startTimeISO8601`` like ``"1000"``)
  with a ``maxPartySize`` but no date. We send an extra ``date`` query when
  asking for one day's slots and read ``maxPartySize`` as the places still
  free on that date; a server that ignores unknown query parameters simply
  answers with the undated payload.
* ``businessDays[].weekday`` is an ISO weekday, 1 = Monday .. 7 = Sunday
  (0 is also read as Sunday; both conventions agree on 1..6).
* A refused reservation answers 400/422 with a JSON body naming the
  parameter as ``reservationParameterID`` (top level or inside ``error``)
  and a ``message``; a full timeslot answers 409. A refusal naming the
  timeslot parameter means the slot cannot be booked, not a typing error.
* The JWT lifetime is 60 minutes; we trust the token's ``exp`` claim (read
  without verification) but never beyond 60 minutes of our own clock, so a
  server clock ahead of ours cannot make us keep an expired token.
* A reservation is created with 200 or 201; deletions answer 204.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter, ValidationError

from bot.storage.tokens import StoredToken
from bot.vendors._http import VendorHttp
from bot.vendors._tokens import CachedTokenAuth, TokenCache, TokenStore, utcnow
from bot.vendors.errors import InputRejected, ServiceUnavailable, SlotUnavailable, VendorError
from bot.vendors.ufirst.config import Settings
from bot.vendors.ufirst.models import (
    Organization,
    Point,
    Reservation,
    ReservationRequest,
    Webhook,
)

VENDOR = "ufirst"
TOKEN_LIFETIME = timedelta(minutes=60)

M = TypeVar("M", bound=BaseModel)


class WebhookConflict(InputRejected):
    """ufirst allows a single webhook per point and one already exists."""


def token_expiry(token: str, now: datetime) -> datetime:
    """When ``token`` stops working: its ``exp``, capped at 60 minutes from ``now``."""
    latest = now + TOKEN_LIFETIME
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        expires = datetime.fromtimestamp(float(claims["exp"]), timezone.utc)
    except (IndexError, KeyError, TypeError, ValueError, OverflowError):
        return latest
    return min(expires, latest)


class UfirstClient:
    """One organization's view of the ufirst API."""

    def __init__(
        self,
        settings: Settings,
        store: TokenStore,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        if not settings.enabled:
            raise ServiceUnavailable("ufirst is not configured", vendor=VENDOR)
        self.settings = settings
        self._org = quote(settings.organization_id or "", safe="")
        self._now = now
        self.http = VendorHttp(VENDOR, settings.base_url, transport=transport,
                               deadline=settings.deadline_seconds)
        self.tokens = TokenCache(vendor=VENDOR, store=store, fetch=self.login, now=now)

    # -- authentication -------------------------------------------------

    def _server_headers(self) -> dict[str, str]:
        key = self.settings.private_key_id
        return {
            "x-privatekeyid": key.get_secret_value() if key else "",
            "x-clientemail": self.settings.client_email or "",
        }

    def _user_path(self, user_id: str) -> str:
        return f"/organizations/{self._org}/users/{quote(user_id, safe='')}"

    async def login(self, user_id: str) -> StoredToken:
        """A fresh JWT for ``user_id`` (used by the token cache, not by callers)."""
        response = await self.http.request(
            "POST", f"{self._user_path(user_id)}/login", headers=self._server_headers()
        )
        self._check(response)
        token = self._json(response)
        if not isinstance(token, str) or not token:
            raise ServiceUnavailable("login answered without a token", vendor=VENDOR)
        return StoredToken(value=token, expires_at=token_expiry(token, self._now()))

    async def _as_user(self, method: str, path: str, user_id: str, **kwargs: Any) -> httpx.Response:
        auth = CachedTokenAuth(self.tokens, user_id)
        return await self.http.request(method, path, auth=auth, **kwargs)

    async def _as_server(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self._server_headers(), **kwargs)

    # -- organization and points ----------------------------------------

    async def organization(self, user_id: str) -> Organization:
        response = await self._as_user("GET", f"/organizations/{self._org}", user_id)
        self._check(response)
        return self._parse(Organization, response)

    async def point(self, user_id: str, point_id: str, day: date | None = None) -> Point:
        """A point with its services; with ``day``, capacities of that date (see module doc)."""
        params = {"date": day.isoformat()} if day is not None else None
        response = await self._as_user("GET", self._point_path(point_id), user_id, params=params)
        self._check(response)
        return self._parse(Point, response)

    def _point_path(self, point_id: str) -> str:
        return f"/organizations/{self._org}/points/{quote(point_id, safe='')}"

    # -- reservations ---------------------------------------------------

    async def create_reservation(
        self,
        user_id: str,
        point_id: str,
        service_id: str,
        request: ReservationRequest,
        *,
        timeslot_parameter: str | None = None,
    ) -> Reservation:
        path = f"{self._point_path(point_id)}/services/{quote(service_id, safe='')}/reservations"
        response = await self._as_user("POST", path, user_id, json=request.body())
        self._check(response, timeslot_parameter=timeslot_parameter)
        return self._parse(Reservation, response)

    async def reservations(self, user_id: str) -> list[Reservation]:
        response = await self._as_user("GET", f"{self._user_path(user_id)}/reservations", user_id)
        self._check(response)
        return self._parse_list(Reservation, response)

    async def delete_reservation(self, user_id: str, reservation_id: str) -> None:
        path = f"{self._user_path(user_id)}/reservations/{quote(reservation_id, safe='')}"
        self._check(await self._as_user("DELETE", path, user_id))

    # -- webhooks (server to server) ------------------------------------

    def _webhooks_path(self, point_id: str, webhook_id: str | None = None) -> str:
        path = f"{self._point_path(point_id)}/webhooks"
        return f"{path}/{quote(webhook_id, safe='')}" if webhook_id else path

    async def webhooks(self, point_id: str) -> list[Webhook]:
        response = await self._as_server("GET", self._webhooks_path(point_id))
        self._check(response)
        return self._parse_list(Webhook, response)

    async def create_webhook(
        self, point_id: str, url: str, target: str = "resourcesWithReservations"
    ) -> Webhook:
        response = await self._as_server(
            "POST", self._webhooks_path(point_id), json={"target": target, "url": url}
        )
        self._check(response, conflict=WebhookConflict)
        return self._parse(Webhook, response)

    async def update_webhook(
        self, point_id: str, webhook_id: str, url: str, target: str = "resourcesWithReservations"
    ) -> Webhook:
        response = await self._as_server(
            "PUT", self._webhooks_path(point_id, webhook_id), json={"target": target, "url": url}
        )
        self._check(response, conflict=WebhookConflict)
        return self._parse(Webhook, response)

    async def delete_webhook(self, point_id: str, webhook_id: str) -> None:
        self._check(await self._as_server("DELETE", self._webhooks_path(point_id, webhook_id)))

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- translation at the boundary --------------------------------------

    def _check(
        self,
        response: httpx.Response,
        *,
        timeslot_parameter: str | None = None,
        conflict: type[VendorError] = SlotUnavailable,
    ) -> None:
        status = response.status_code
        if status < 400:
            return
        if status in (400, 409, 422):
            reason, field = _problem(response)
            if status == 409:
                if issubclass(conflict, InputRejected):
                    raise conflict(reason, field=field, vendor=VENDOR)
                raise conflict(reason, vendor=VENDOR)
            if field is not None and field == timeslot_parameter:
                raise SlotUnavailable(reason, vendor=VENDOR)
            raise InputRejected(reason, field=field, vendor=VENDOR)
        self.http.raise_for_common_status(response)

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise ServiceUnavailable("ufirst answered with invalid JSON", vendor=VENDOR) from exc

    def _parse(self, model: type[M], response: httpx.Response) -> M:
        try:
            return model.model_validate(self._json(response))
        except ValidationError as exc:
            raise ServiceUnavailable(f"unexpected {model.__name__} payload", vendor=VENDOR) from exc

    def _parse_list(self, model: type[M], response: httpx.Response) -> list[M]:
        data = self._json(response)
        try:
            return TypeAdapter(list[model]).validate_python(data or [])  # type: ignore[valid-type]
        except ValidationError as exc:
            raise ServiceUnavailable(f"unexpected {model.__name__} list", vendor=VENDOR) from exc


def _problem(response: httpx.Response) -> tuple[str, str | None]:
    """ufirst's own words and the parameter it names, from an error body."""
    try:
        data = response.json()
    except ValueError:
        data = None
    fields: dict[str, Any] = {}
    if isinstance(data, dict):
        fields.update(data)
        if isinstance(data.get("error"), dict):
            fields.update(data["error"])
    field = next(
        (fields[k] for k in ("reservationParameterID", "parameterID", "field")
         if isinstance(fields.get(k), str)),
        None,
    )
    reason = next(
        (fields[k] for k in ("message", "error", "detail", "description")
         if isinstance(fields.get(k), str) and fields[k]),
        None,
    )
    if reason is None and isinstance(data, str) and data:
        reason = data
    if reason is None:
        reason = response.text.strip() if data is None else ""
    return (reason or f"HTTP {response.status_code}")[:300], field
