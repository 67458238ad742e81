"""A local FileVirtuelle public API v2 that enforces the documented protocol.

It serves the documented routes under ``/api/public/v2`` (``api_info``,
organizations, suborganizations, devices, prequalifications and customers,
each with search and projection; ``register``, ``next``, ``PUT /customer``,
``DELETE /customer/{cid}``) and checks what the real service would: the
``api_key:signature`` header (HMAC-SHA1 of verb + URI + timestamp), the
``X-FV-TIMESTAMP`` within :attr:`timestamp_window` seconds of its movable
clock, ``max_hits`` requests per calendar minute (then the documented 429,
counted in :attr:`rate_limited`), contact modes per store, phone / email /
language / date formats. Errors carry the documented bodies.

The queue serves a store's waiting customers in ``stimestamp`` order
(prioritized first; appointments sort by their ``mtimestamp`` and cannot be
called earlier than ``tbm`` minutes before it); ``POST /next`` ends the
desk's current customer (``processed``, ``ttp``), calls the next one, and
posts ``{"event": "next", ...}`` to ``urls.next`` in the background.

Beyond the document: ``mtimestamp`` must be UTC written with ``Z``; ``/next``
with nobody eligible answers 200 with ``entity: null``; unknown routes
answer ``InvalidRoute``; a malformed search or mixed projection answers 400.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.vendors._simulator import SimClock
from bot.vendors._simulator import Simulator as BaseSimulator
from bot.vendors.filevirtuelle import simulator_data as data
from bot.vendors.filevirtuelle.config import API_ROOT
from bot.vendors.filevirtuelle.signing import TIMESTAMP_HEADER, signature
from bot.vendors.filevirtuelle.simulator_queue import NODES, STORES, Queues, Refused, public

_COLLECTIONS = {"organizations": ("organization", "InvalidOrganization"),
                "suborganizations": ("suborganization", "InvalidSuborganization"),
                "devices": ("device", "InvalidDevice"),
                "prequalifications": ("prequalification", "InvalidPrequalification"),
                "customers": ("customer", "InvalidEntity")}


@dataclass(frozen=True)
class Exchange:
    method: str
    target: str  # path and query as received
    body: Any
    status: int
    error: str | None
    content_type: str | None


class Simulator(BaseSimulator):
    """The FileVirtuelle stand-in; inspection helpers at the end are for tests."""

    def __init__(self, clock: SimClock | None = None, *, max_hits: int = 600,
                 next_url: str = "", timestamp_window: float = 300.0,
                 testing: bool = False) -> None:
        super().__init__(clock)
        self.api_key = data.API_KEY
        self.api_secret = secrets.token_hex(20)
        self.max_hits, self.next_url, self.testing = max_hits, next_url, testing
        self.timestamp_window = timestamp_window
        self.locked = False
        self.hits: Counter[int] = Counter()  # requests per calendar minute (epoch // 60)
        self.rate_limited = 0  # 429s given
        self.log: list[Exchange] = []
        self.callbacks: list[tuple[dict[str, Any], int | str]] = []
        self.queues = Queues(self.clock, self.api_key, testing=testing, on_call=self._notify)
        self._tasks: set[asyncio.Task[None]] = set()

    def environment(self, url: str) -> dict[str, str]:
        return {"FILEVIRTUELLE_BASE_URL": f"{url}{API_ROOT}",
                "FILEVIRTUELLE_API_KEY": self.api_key,
                "FILEVIRTUELLE_API_SECRET": self.api_secret,
                "FILEVIRTUELLE_ORGANIZATION_ID": data.ORGANIZATION_ID,
                "FILEVIRTUELLE_MACHINE_ID": data.MACHINE}

    def app(self) -> Starlette:
        routes = [("/api_info", self._api_info, "GET"),
                  ("/api_info/{fields}", self._api_info, "GET"),
                  ("/register", self._register, "POST"), ("/next", self._next, "POST"),
                  ("/customer", self._update, "PUT"),
                  ("/customer/{cid}", self._delete, "DELETE")]
        for plural, (singular, _) in _COLLECTIONS.items():
            routes += [(f"/{plural}", self._list, "GET"),
                       (f"/{plural}/{{fields}}", self._list, "GET"),
                       (f"/{singular}/{{eid}}", self._one, "GET"),
                       (f"/{singular}/{{eid}}/{{fields}}", self._one, "GET")]
        table = [Route(API_ROOT + p, self._endpoint(h), methods=[m]) for p, h, m in routes]
        table.append(Route("/{rest:path}", self._endpoint(self._no_route),
                           methods=["GET", "POST", "PUT", "DELETE"]))
        return Starlette(routes=table)

    def _endpoint(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            raw = request.scope.get("raw_path") or request.url.path.encode()
            query = request.scope.get("query_string", b"")
            target = (raw + (b"?" + query if query else b"")).decode("latin-1")
            body, error = None, None
            try:
                self._authenticate(request, target)
                self._count()
                if request.method in ("POST", "PUT"):
                    try:
                        body = await request.json()
                    except ValueError:
                        raise Refused("InvalidBody", 400, "the body must be JSON") from None
                response: Response = JSONResponse(await handler(request, body))
            except Refused as refused:
                response = JSONResponse(refused.body, status_code=refused.body["code"])
                error = refused.name
            self.log.append(Exchange(request.method, target, body, response.status_code, error,
                                     request.headers.get("content-type")))
            return response
        return endpoint

    # -- protocol -------------------------------------------------------------------

    def _authenticate(self, request: Request, target: str) -> None:
        header = request.headers.get("authorization")
        if not header:
            raise Refused("NoAuthorizationHeaderError")
        key, _, signed = header.partition(":")
        if not key or not signed or ":" in signed:
            raise Refused("NoTwoPartAuthorizationError")
        if not hmac.compare_digest(key, self.api_key):
            raise Refused("InvalidAPIKey")
        stamp = request.headers.get(TIMESTAMP_HEADER, "")
        if not stamp.isdigit():
            raise Refused("InvalidTimestamp")
        expected = signature(self.api_secret, request.method, target, stamp)
        if not hmac.compare_digest(signed, expected):
            raise Refused("InvalidSignature")
        if abs(int(stamp) / 1000 - self.clock.now().timestamp()) > self.timestamp_window:
            raise Refused("InvalidTimestamp")
        if self.locked:
            raise Refused("AccountIsLocked")

    def _count(self) -> None:
        minute = int(self.clock.now().timestamp() // 60)
        self.hits[minute] += 1
        if self.hits[minute] > self.max_hits:
            self.rate_limited += 1
            raise Refused("RateLimitExceeded")

    async def _no_route(self, request: Request, body: Any) -> Any:
        raise Refused("InvalidRoute")

    # -- reading ------------------------------------------------------------------------

    def _docs(self, plural: str) -> list[dict[str, Any]]:
        return {"organizations": data.ORGANIZATIONS, "suborganizations": data.STORES,
                "devices": data.DEVICES, "prequalifications": data.PREQUALIFICATIONS,
                "customers": [public(c) for c in self.queues.customers.values()]}[plural]

    @staticmethod
    def _shape(doc: dict[str, Any], request: Request) -> dict[str, Any]:
        fields = request.path_params.get("fields")
        try:
            return data.project(doc, fields) if fields else doc
        except ValueError as exc:
            raise Refused("InvalidProjection", 400, str(exc)) from None

    async def _api_info(self, request: Request, body: Any) -> Any:
        info = {"name": "FileVirtuelle simulator", "key": self.api_key, "testing": self.testing,
                "fairuse": self.queues.fairuse | {"max_hits": self.max_hits},
                "urls": {"next": self.next_url, "processed": ""},
                "access": {"rights": {}, "filter": {}}}
        return self._shape(info, request)

    async def _list(self, request: Request, body: Any) -> Any:
        docs = self._docs(request.url.path.removeprefix(API_ROOT).split("/")[1])
        search = request.query_params.get("search")
        if search:
            try:
                parsed = data.parse_search(search)
            except ValueError as exc:
                raise Refused("InvalidSearch", 400, str(exc)) from None
            docs = [d for d in docs if data.matches(d, parsed)]
        return [self._shape(d, request) for d in docs]

    async def _one(self, request: Request, body: Any) -> Any:
        singular = request.url.path.removeprefix(API_ROOT).split("/")[1]
        plural, (_, error) = next((p, v) for p, v in _COLLECTIONS.items() if v[0] == singular)
        found = next((d for d in self._docs(plural) if d["_id"] == request.path_params["eid"]),
                     None)
        if found is None:
            raise Refused(error)
        return self._shape(found, request)

    # -- writing (the logic is in simulator_queue) -------------------------------------

    async def _register(self, request: Request, body: Any) -> Any:
        return self.queues.register(body if isinstance(body, dict) else {})

    async def _next(self, request: Request, body: Any) -> Any:
        return self.queues.next(body if isinstance(body, dict) else {})

    async def _update(self, request: Request, body: Any) -> Any:
        return self.queues.update(body if isinstance(body, dict) else {})

    async def _delete(self, request: Request, body: Any) -> Any:
        return self.queues.delete(request.path_params["cid"])

    # -- the next-customer callback ----------------------------------------------------------

    def _notify(self, payload: dict[str, Any]) -> None:
        if self.next_url:
            task = asyncio.create_task(self._post(payload))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _post(self, payload: dict[str, Any]) -> None:
        try:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.post(self.next_url, json=payload)
            self.callbacks.append((payload, response.status_code))
        except httpx.HTTPError as exc:
            self.callbacks.append((payload, type(exc).__name__))

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await super().stop()

    # -- for tests ------------------------------------------------------------------------

    def queue(self, store_id: str) -> list[dict[str, Any]]:
        """Copies of the store's waiting customers, in serving order."""
        return [public(c) for c in self.queues.waiting(store_id)]

    def customer(self, customer_id: str) -> dict[str, Any] | None:
        found = self.queues.customers.get(customer_id)
        return public(found) if found else None

    def add_waiting(self, store_id: str, name: str = "Walk-in", *,
                    prequalification: str | None = None, minutes_ago: float = 0.0) -> str:
        """Put someone in the line as if registered on a kiosk; their id."""
        store = STORES[store_id]
        node = NODES[prequalification or next(
            p["_id"] for p in data.PREQUALIFICATIONS
            if p["suborganization"] == store_id and p["root"] and not p["prequalifications"])]
        at = self.clock.now() - timedelta(minutes=minutes_ago)
        return self.queues.add(store, node, [node["_id"]], data.MACHINE, store["langs"][0],
                               {"name": name}, at=at)["_id"]

    def hits_per_minute(self) -> dict[int, int]:
        return dict(self.hits)

    def requests(self, method: str | None = None, path: str = "") -> list[Exchange]:
        return [e for e in self.log if (method is None or e.method == method)
                and e.target.startswith(API_ROOT + path)]
