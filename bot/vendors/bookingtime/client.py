"""The bookingtime Module API over HTTP, and nothing else.

Authentication is the documented two-step client credentials flow against
``{auth_url}/oauth/token``:

1. ``grant_type=client_credentials`` with our client id (and the client
   secret only when one is configured; the Module API issues none) returns a
   *refresh token*, kept per client id in a :class:`TokenCache` of kind
   ``"refresh"``;
2. ``grant_type=refresh_token`` with the client id, that refresh token and an
   ``organization_id`` returns an *access token* for that one organization,
   kept per organization in a :class:`TokenCache` of kind ``"access"``.

Both caches give single flight, encrypted storage and reuse until shortly
before expiry; a refused refresh token (400 ``invalid_grant`` or 401) is
renewed once and the exchange retried once; a 401 on an API call renews the
organization's access token once and retries (:class:`CachedTokenAuth`).

Every failure leaves this module as an error of :mod:`bot.vendors.errors`;
this is the one place bookingtime statuses and ``messageList`` entries are
translated.

Choices where the document is thin (the simulator implements them):

* Token requests are sent form-encoded (``application/x-www-form-urlencoded``,
  as OAuth 2.0 specifies and as the document's ``curl -d`` examples do);
  ``expires_in`` may be a number or a numeric string; when missing we assume
  1800 s for refresh and 300 s for access tokens, the documented values.
  Tokens are treated as opaque (never decoded).
* Token errors are OAuth-style ``{"error": ..., "error_description": ...}``.
* API paths are ``{api_url}/module/v3/{locale}/organization/{org}/...``;
  lists, slots and ``appointment/{id}/show`` are ``GET``; ``appointment/add``
  is ``POST``. The document does not show cancelling or moving; bookingtime's
  own public PHP SDK for the Module API does (github.com/bookingtime/
  lib-phpsdk-module, ``src/Sdk/ApiRoute/AppointmentRoute.php``, methods
  ``cancel`` and ``move``, and the ``appointment_move`` call in its tests):
  both are ``PUT``, ``appointment/{id}/cancel`` without a body and
  ``appointment/{id}/move`` with ``{"bookingSlotId": ...}``. A ``POST`` there
  is refused (405), which a user saw as "not answering".
* A body is either the envelope ``{"messageList": [...], "content": ...}`` or,
  as the document shows for slots and ``appointment/add``, the content
  itself; both are read. Slot lists are read under ``bookingSlotList``,
  ``list`` or ``recordList``; the template list under ``content.recordList``
  (or ``list``, or a bare JSON list).
* An error is an HTTP status >= 400, or any status with a ``messageList``
  entry of type ``ERROR``. Its ``text`` is the reason we pass on. A message
  names the refused input in ``field`` (also read: ``property``,
  ``propertyPath``, ``path``), e.g. ``customer.email``; the ``customer.``
  prefix is dropped, so :class:`InputRejected` carries ``email``, ``mobile``,
  ``firstName``, ``lastName``, ``address``. A refusal naming
  ``bookingSlotId``, or a 409, means the slot is gone (:class:`SlotUnavailable`).
* ``bookingLeadTime`` is in minutes; ``bookingDayEarliest`` and
  ``bookingDayLatest`` are days from today in the organization's timezone,
  both inclusive.
* ``nameI18nList`` / ``descriptionI18nList`` entries carry the language in
  ``locale`` (or ``language``) and the text in ``content`` (or ``text``,
  ``value``); ``showPrice`` may sit on the template or inside ``price``, and
  a price without it is shown.
* ``appointment/add`` sends ``customer`` with ``firstName``, ``lastName`` and
  only the fields we have (``email``, ``mobile``, ``address`` as an ADDRESS
  object with ``street``, ``zip``, ``city``, ``country``); an appointment
  address, when a template requires one, goes beside it as
  ``appointmentAddress``. Additional customers are never sent.
* ``appointment/add`` also carries ``customId``, our own id for the
  appointment (the claim's idempotency key), and
  ``GET appointment/{customId}/identify`` reads the appointment added with it.
  The Module API document does not show either; the source is bookingtime's
  own public PHP SDK, https://github.com/bookingtime/lib-phpsdk-module
  (``src/Sdk/ApiRoute/AppointmentRoute.php``: ``identify``;
  ``src/Tests/SdkTest.php``: ``customId`` in the ``appointment_add`` data).
  We assume an unknown customId answers 404, like an unknown appointment id.
* ``move`` answers the moved APPOINTMENT (normally with the same id);
  ``cancel`` answers the cancelled one. A cancelled appointment shows
  ``"status": "CANCELED"`` (``canceled: true`` is read too); 404 means gone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from bot.storage.tokens import StoredToken
from bot.vendors._http import VendorHttp
from bot.vendors._tokens import CachedTokenAuth, TokenCache, utcnow
from bot.vendors.bookingtime.config import Settings
from bot.vendors.bookingtime.models import (
    Appointment,
    BookingTemplate,
    CustomerData,
    Message,
    SlotRange,
)
from bot.vendors.errors import (
    AuthFailed,
    InputRejected,
    NotFound,
    ServiceUnavailable,
    SlotUnavailable,
)

if TYPE_CHECKING:
    from bot.vendors.registry import VendorDeps

VENDOR = "bookingtime"
REFRESH_LIFETIME = 1800  # seconds, when the server does not say
ACCESS_LIFETIME = 300
_SLOT_FIELDS = frozenset({"bookingslotid", "bookingslot", "slot"})

P = TypeVar("P", bound=BaseModel)


class GrantRefused(AuthFailed):
    """The token endpoint refused a grant; ``error`` is the OAuth error code."""

    def __init__(self, message: str, *, error: str, status: int) -> None:
        super().__init__(message, vendor=VENDOR)
        self.error = error
        self.status = status

    @property
    def stale_refresh_token(self) -> bool:
        return self.status == 401 or self.error == "invalid_grant"


class BookingtimeClient:
    """One bookingtime module (client id) and the organizations it may access."""

    def __init__(self, settings: Settings, deps: VendorDeps,
                 now: Callable[[], datetime] = utcnow) -> None:
        """``deps`` lends the token store and, in tests, an httpx transport."""
        if not settings.enabled or settings.client_id is None:
            raise ServiceUnavailable("bookingtime is not configured", vendor=VENDOR)
        self.settings = settings
        self.client_id: str = settings.client_id
        self._now = now
        self.auth_http, self.http = (VendorHttp(VENDOR, url, transport=deps.transport,
                                                deadline=settings.deadline_seconds)
                                     for url in (settings.auth_url, settings.api_url))
        self.refresh_tokens = TokenCache(VENDOR, deps.tokens, self._client_credentials_grant,
                                         kind="refresh", now=now)
        self.access_tokens = TokenCache(VENDOR, deps.tokens, self._access_grant,
                                        kind="access", now=now)

    # -- authentication -------------------------------------------------

    async def _client_credentials_grant(self, client_id: str) -> StoredToken:
        fields = {"grant_type": "client_credentials", "client_id": client_id}
        if self.settings.secret:
            fields["client_secret"] = self.settings.secret
        return await self._grant(fields, "refresh_token", REFRESH_LIFETIME)

    async def _access_grant(self, organization_id: str) -> StoredToken:
        refresh = await self.refresh_tokens.get(self.client_id)
        try:
            return await self._exchange(refresh, organization_id)
        except GrantRefused as refused:
            if not refused.stale_refresh_token:
                raise
        refresh = await self.refresh_tokens.renew(self.client_id, stale=refresh)
        return await self._exchange(refresh, organization_id)

    async def _exchange(self, refresh_token: str, organization_id: str) -> StoredToken:
        return await self._grant(
            {
                "grant_type": "refresh_token",
                "client_id": self.client_id,
                "refresh_token": refresh_token,
                "organization_id": organization_id,
            },
            "access_token",
            ACCESS_LIFETIME,
        )

    async def _grant(self, fields: dict[str, str], key: str, lifetime: int) -> StoredToken:
        response = await self.auth_http.request("POST", "/oauth/token", data=fields)
        body = _json_or_none(response)
        if response.status_code in (400, 401):
            error = body.get("error") if isinstance(body, dict) else None
            detail = body.get("error_description") if isinstance(body, dict) else None
            error = error if isinstance(error, str) else "invalid_request"
            raise GrantRefused(
                f"{fields['grant_type']} refused: {detail or error}",
                error=error, status=response.status_code,
            )
        self.auth_http.raise_for_common_status(response)
        token = body.get(key) if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise ServiceUnavailable(f"token endpoint answered without {key}", vendor=VENDOR)
        seconds = _seconds(body.get("expires_in"), lifetime)
        return StoredToken(value=token, expires_at=self._now() + timedelta(seconds=seconds))

    # -- Module API -----------------------------------------------------

    def locale_for(self, language: str | None) -> str:
        """The customer's language when bookingtime is configured to serve it."""
        primary = (language or "").replace("_", "-").split("-")[0].lower()
        return primary if primary in self.settings.locales else self.settings.locales[0]

    def _path(self, organization_id: str, locale: str, *parts: str | int) -> str:
        tail = "/".join(quote(str(part), safe="") for part in parts)
        return (f"/module/v3/{quote(locale, safe='')}/organization/"
                f"{quote(organization_id, safe='')}/{tail}")

    async def _call(
        self, method: str, organization_id: str, locale: str, *parts: str | int,
        body: dict[str, Any] | None = None,
    ) -> Any:
        auth = CachedTokenAuth(self.access_tokens, organization_id)
        response = await self.http.request(
            method, self._path(organization_id, locale, *parts), auth=auth, json=body
        )
        return self._content(response)

    async def templates(self, organization_id: str, locale: str) -> list[BookingTemplate]:
        content = await self._call("GET", organization_id, locale, "bookingTemplate", "list")
        records = content
        if isinstance(content, dict):
            records = content.get("recordList", content.get("list"))
        if not isinstance(records, list):
            raise ServiceUnavailable("unexpected bookingTemplate list", vendor=VENDOR)
        return [_parse(BookingTemplate, item) for item in records
                if isinstance(item, dict) and item.get("class", "BOOKING_TEMPLATE")
                == "BOOKING_TEMPLATE"]

    async def _slots(self, organization_id: str, locale: str, template_id: str,
                     *parts: str | int) -> SlotRange:
        content = await self._call("GET", organization_id, locale, "bookingTemplate",
                                   template_id, "bookingSlot", *parts)
        return _parse(SlotRange, content)

    async def earliest_slot(self, organization_id: str, locale: str, template_id: str) -> SlotRange:
        return await self._slots(organization_id, locale, template_id, "earliest")

    async def day_slots(self, organization_id: str, locale: str, template_id: str,
                        day: date) -> SlotRange:
        return await self._slots(organization_id, locale, template_id, "year", day.year,
                                 "month", day.month, "day", day.day, "listDay")

    async def week_slots(self, organization_id: str, locale: str, template_id: str,
                         year: int, week: int) -> SlotRange:
        """Slots of ISO week ``week`` of ISO year ``year``."""
        return await self._slots(organization_id, locale, template_id, "year", year,
                                 "week", week, "listWeek")

    async def month_slots(self, organization_id: str, locale: str, template_id: str,
                          year: int, month: int) -> SlotRange:
        return await self._slots(organization_id, locale, template_id, "year", year,
                                 "month", month, "listMonth")

    async def add_appointment(
        self, organization_id: str, locale: str, slot_id: str, customer: CustomerData,
        *, appointment_address: dict[str, str] | None = None, custom_id: str | None = None,
    ) -> Appointment:
        body: dict[str, Any] = {"bookingSlotId": slot_id, "customer": customer.body()}
        if appointment_address:
            body["appointmentAddress"] = appointment_address
        if custom_id is not None:
            body["customId"] = custom_id
        content = await self._call("POST", organization_id, locale, "appointment", "add",
                                   body=body)
        return _parse(Appointment, content)

    async def appointment(self, organization_id: str, locale: str,
                          appointment_id: str) -> Appointment:
        content = await self._call("GET", organization_id, locale, "appointment",
                                   appointment_id, "show")
        return _parse(Appointment, content)

    async def identify_appointment(self, organization_id: str, locale: str,
                                   custom_id: str) -> Appointment:
        """The appointment added with ``customId`` = ``custom_id``; NotFound when none was."""
        content = await self._call("GET", organization_id, locale, "appointment",
                                   custom_id, "identify")
        return _parse(Appointment, content)

    async def cancel_appointment(self, organization_id: str, locale: str,
                                 appointment_id: str) -> None:
        await self._call("PUT", organization_id, locale, "appointment", appointment_id, "cancel")

    async def move_appointment(self, organization_id: str, locale: str, appointment_id: str,
                               slot_id: str) -> Appointment:
        content = await self._call("PUT", organization_id, locale, "appointment",
                                   appointment_id, "move", body={"bookingSlotId": slot_id})
        return _parse(Appointment, content)

    async def aclose(self) -> None:
        await self.http.aclose()
        await self.auth_http.aclose()

    # -- translation at the boundary ------------------------------------

    def _content(self, response: httpx.Response) -> Any:
        """The body's ``content`` (or the body itself), or the right error."""
        body = _json_or_none(response)
        messages = _messages(body)
        errors = [m for m in messages if m.is_error]
        status = response.status_code
        if status < 400 and not errors:
            if body is None:
                raise ServiceUnavailable("bookingtime answered with invalid JSON", vendor=VENDOR)
            return body.get("content") if isinstance(body, dict) and "content" in body else body
        first = (errors or messages or [None])[0]
        reason = (first.text if first and first.text else f"HTTP {status}")[:300]
        field = _field_name(first.field) if first else None
        if status == 404:
            raise NotFound(reason, vendor=VENDOR)
        if status in (401, 403):
            raise AuthFailed(reason, vendor=VENDOR)
        if status < 400 or status in (400, 409, 422):
            if status == 409 or (field or "").lower() in _SLOT_FIELDS:
                raise SlotUnavailable(reason, vendor=VENDOR)
            raise InputRejected(reason, field=field, vendor=VENDOR)
        self.http.raise_for_common_status(response)
        raise ServiceUnavailable(reason, vendor=VENDOR)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _messages(body: Any) -> list[Message]:
    raw = body.get("messageList") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        return []
    messages = []
    for item in raw:
        if isinstance(item, dict):
            try:
                messages.append(Message.model_validate(item))
            except ValidationError:
                continue
    return messages


def _field_name(field: str | None) -> str | None:
    """``customer.email`` -> ``email``, ``customer.address.zip`` -> ``address``."""
    if not field:
        return None
    return field.removeprefix("customer.").split(".")[0] or None


def _seconds(value: Any, default: int) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return default
    return seconds if seconds > 0 else default


def _parse(model: type[P], data: Any) -> P:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ServiceUnavailable(f"unexpected {model.__name__} payload", vendor=VENDOR) from exc
