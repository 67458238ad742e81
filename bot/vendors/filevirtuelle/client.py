"""The FileVirtuelle public API v2 over HTTP, and nothing else.

Every request is signed (:mod:`.signing`), takes a permit from the key's
request budget first (:mod:`.budget`, counted with every process when a
shared counter is lent), waiting for it only within the call's deadline
(``FILEVIRTUELLE_DEADLINE_SECONDS``, which bounds the wait and the request
together), and is never retried: not on a
transport error (a lost answer may still have been counted), never on a
429. The first call reads ``GET /api_info`` for ``max_hits`` (the budget)
and ``urls.next``. Every GET carries a projection so answers hold only what
:mod:`.models` reads. Error bodies are translated in :mod:`.errors`.

Assumptions where the document is silent (the simulator implements them):

* the search engine compares ISO 8601 timestamps written as
  ``YYYY-MM-DDTHH:MM:SS.mmmZ`` and booleans written ``true``/``false``;
* ``GET /customers`` can be restricted to one store and a time window with
  ``suborganization=<sid>&stimestamp>=<since>`` so one request gives the
  waiting, the called and the recently processed customers of a store;
* ``external_meeting_id`` ("an external ID that can be used when integrating
  third-party systems", shown with the appointment registration) is kept on
  any registration, and ``GET /customers`` can search on it: the adapter
  sends the bot's claim key there so a join whose answer was lost is found;
* ``POST /next`` answers ``entity: null`` when nobody is waiting;
* a ticket machine device has ``type`` ``machine``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from bot.throttle import SharedCounter
from bot.vendors._http import VendorHttp, parse_payload
from bot.vendors.errors import RateLimited, ServiceUnavailable, VendorError
from bot.vendors.filevirtuelle.budget import Priority, RequestBudget, release_budget, shared_budget
from bot.vendors.filevirtuelle.config import Settings
from bot.vendors.filevirtuelle.errors import VENDOR, ErrorTranslator
from bot.vendors.filevirtuelle.models import (
    ApiInfo,
    Change,
    Customer,
    Device,
    Prequalification,
    Registration,
    Suborganization,
)
from bot.vendors.filevirtuelle.search import Condition, Query, all_of, resource, where
from bot.vendors.filevirtuelle.signing import SignatureAuth

log = logging.getLogger("bot.vendors.filevirtuelle")

M = TypeVar("M", bound=BaseModel)

INTERACTIVE, BACKGROUND = Priority.INTERACTIVE, Priority.BACKGROUND


def _id(value: str) -> str:
    return quote(value, safe="")


class FileVirtuelleClient:
    """One API key's view of FileVirtuelle."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: RequestBudget | None = None,
        counter: SharedCounter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not settings.enabled or settings.api_secret is None:
            raise ServiceUnavailable("filevirtuelle is not configured", vendor=VENDOR)
        self.settings = settings
        self._clock = clock
        self._shares_budget = budget is None
        self.budget = budget or shared_budget(settings.api_key or "", counter,
                                              server=settings.base_url or "")
        self.auth = SignatureAuth(settings.api_key or "", settings.api_secret.get_secret_value(),
                                  clock)
        self.http = VendorHttp(VENDOR, settings.base_url or "", transport=transport,
                               transport_retries=0, deadline=settings.deadline_seconds)
        self.errors = ErrorTranslator()
        self._info: ApiInfo | None = None
        self._info_lock = asyncio.Lock()

    # -- plumbing -----------------------------------------------------------

    async def _send(self, method: str, target: str, priority: Priority,
                    json: Any = None) -> Any:
        # The wait for a permit is part of the call's deadline: a person waiting on an
        # interactive call hears back within it. A permit is awaited only while at least
        # half of the deadline is left for the request; later, the call is refused at
        # once (RateLimited, nothing sent) rather than waiting for the next minute.
        deadline = self.http.deadline
        asked = self._clock()
        await self.budget.acquire(priority, max_wait=deadline / 2 if priority is INTERACTIVE else None)
        left = deadline - max(0.0, self._clock() - asked)
        response = await self.http.request(method, target, deadline=left, json=json, auth=self.auth)
        if response.status_code >= 400:
            raise self._failure(response)
        try:
            return response.json()
        except ValueError:
            raise ServiceUnavailable(f"{method} {target.split('?')[0]}: not JSON",
                                     vendor=VENDOR) from None

    def _failure(self, response: httpx.Response) -> VendorError:
        error = self.errors.translate(response, now=self._clock())
        if response.status_code == 429 or isinstance(error, RateLimited):
            pause = self.budget.rate_limit_hit()  # everything waits; nothing is retried
            return RateLimited(str(error or "HTTP 429"), vendor=VENDOR, retry_after=pause)
        if error is not None:
            return error
        try:
            self.http.raise_for_common_status(response)
        except VendorError as common:
            return common
        return ServiceUnavailable(f"HTTP {response.status_code}", vendor=VENDOR)

    async def _call(self, method: str, target: str, priority: Priority,
                    json: Any = None) -> Any:
        await self.info()
        return await self._send(method, target, priority, json)

    @staticmethod
    def _parse(model: type[M] | TypeAdapter[Any], data: Any) -> Any:
        return parse_payload(model, data, VENDOR)

    def _organization_filter(self) -> Condition | None:
        org = self.settings.organization_id
        return where("organization", "=", org) if org else None

    # -- API information ----------------------------------------------------

    @property
    def known_info(self) -> ApiInfo | None:
        """``/api_info`` if it has been read already (no request)."""
        return self._info

    async def info(self, *, refresh: bool = False) -> ApiInfo:
        """``/api_info``, read once (or on ``refresh``); sizes the budget."""
        if self._info is not None and not refresh:
            return self._info
        async with self._info_lock:
            if self._info is None or refresh:
                data = await self._send("GET", resource("/api_info", ApiInfo.FIELDS), INTERACTIVE)
                info = self._parse(ApiInfo, data)
                if info.fairuse.max_hits:
                    self.budget.configure(info.fairuse.max_hits)
                else:
                    log.warning("filevirtuelle: /api_info gives no max_hits; keeping %d/min",
                                self.budget.max_hits)
                self._info = info
        return self._info

    # -- structure ------------------------------------------------------------

    async def suborganizations(self, priority: Priority = INTERACTIVE) -> list[Suborganization]:
        target = resource("/suborganizations", Suborganization.FIELDS, self._organization_filter())
        return self._parse(TypeAdapter(list[Suborganization]),
                           await self._call("GET", target, priority))

    async def devices(self, priority: Priority = INTERACTIVE) -> list[Device]:
        target = resource("/devices", Device.FIELDS, self._organization_filter())
        return self._parse(TypeAdapter(list[Device]), await self._call("GET", target, priority))

    async def prequalifications(self, store_id: str,
                                priority: Priority = INTERACTIVE) -> list[Prequalification]:
        target = resource("/prequalifications", Prequalification.FIELDS,
                          where("suborganization", "=", store_id))
        return self._parse(TypeAdapter(list[Prequalification]),
                           await self._call("GET", target, priority))

    # -- queue ------------------------------------------------------------------

    async def customers(self, store_id: str, since: datetime,
                        priority: Priority = BACKGROUND) -> list[Customer]:
        """The store's customers sorted in the line at or after ``since``: one request."""
        query: Query = all_of(where("suborganization", "=", store_id),
                              where("stimestamp", ">=", since))
        target = resource("/customers", Customer.FIELDS, query)
        return self._parse(TypeAdapter(list[Customer]), await self._call("GET", target, priority))

    async def registered_as(self, store_id: str, external_id: str,
                            priority: Priority = INTERACTIVE) -> list[Customer]:
        """The store's customers registered with ``external_meeting_id`` = ``external_id``."""
        query: Query = all_of(where("suborganization", "=", store_id),
                              where("external_meeting_id", "=", external_id))
        target = resource("/customers", Customer.FIELDS, query)
        return self._parse(TypeAdapter(list[Customer]), await self._call("GET", target, priority))

    async def register(self, registration: Registration) -> Customer:
        data = await self._call("POST", "/register", INTERACTIVE, registration.body())
        change = self._parse(Change, data)
        if change.entity is None:
            raise ServiceUnavailable("register answered without a customer", vendor=VENDOR)
        return change.entity

    async def next(self, store_id: str, desk_id: str) -> Customer | None:
        """Call the next customer to ``desk_id``; None when nobody is waiting."""
        data = await self._call("POST", "/next", INTERACTIVE,
                                {"desk": desk_id, "suborganization": store_id})
        return self._parse(Change, data).entity

    async def delete_customer(self, customer_id: str) -> None:
        await self._call("DELETE", f"/customer/{_id(customer_id)}", INTERACTIVE)

    async def aclose(self) -> None:
        if self._shares_budget:
            self._shares_budget = False
            release_budget(self.settings.api_key or "", server=self.settings.base_url or "")
        await self.http.aclose()
