"""A local Umbrella Faces: OAuth server, SAML metadata, Profiles on Demand API.

The authorization part is :mod:`.simulator_oauth`. The API enforces bearer
tokens (401 when missing, expired or revoked), scopes (``read`` for GET,
``write`` for POST/PATCH/DELETE, 403 ``insufficient_scope``), that company
data is the agency's (client credentials), not a traveller's (403), and a
request budget per token holder: ``rate_limit`` requests in any 60 seconds
of :attr:`clock`, told in ``X-RateLimit-*`` headers, then 429 with
``Retry-After``. :meth:`Simulator.throttle` forces 429s; requests arriving
before a Retry-After has passed are counted in :attr:`Simulator.early`
(a client that hammers shows up there). Errors are JSON ``{"error",
"message"}``. Inferred parts are listed in :mod:`bot.vendors.faces.client`.
"""

from __future__ import annotations

import copy
import math
import secrets
from collections import Counter
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.throttle import SlidingWindow
from bot.vendors._simulator import SimClock
from bot.vendors._simulator import Simulator as BaseSimulator
from bot.vendors.faces import simulator_data as data
from bot.vendors.faces.simulator_oauth import AccessToken, OAuthRefused, OAuthServer

API = "/api/v1/profiles"
WINDOW = 60.0


class Simulator(BaseSimulator):
    """The Faces stand-in; knobs and inspection helpers are for tests and the demo."""

    def __init__(self, clock: SimClock | None = None) -> None:
        super().__init__(clock)
        self.oauth = OAuthServer(self.clock)
        self.companies = data.companies()
        self.rate_limit = 120
        self.log: list[tuple[str, str, int]] = []  # (method, path, status) of API calls
        self.patches: Counter[str] = Counter()  # PATCH requests per company
        self.early = 0  # requests sent while a Retry-After was still running
        self._windows: dict[str, SlidingWindow] = {}
        self._forced: list[int] = []  # Retry-After seconds of forced 429s to come
        self._blocked_until: dict[str, float] = {}

    def environment(self, url: str) -> dict[str, str]:
        return {"FACES_BASE_URL": url, "FACES_CLIENT_ID": data.CLIENT_ID,
                "FACES_CLIENT_SECRET": data.CLIENT_SECRET}

    def app(self) -> Starlette:
        company = f"{API}/company/{{uuid}}"
        routes = [
            Route("/oauth/authorize", self.oauth.authorize, methods=["GET", "POST"]),
            Route("/oauth/token", self.oauth.token, methods=["POST"]),
            Route("/saml/metadata", self._metadata, methods=["GET"]),
            Route(f"{API}/companies", self._api(self._search, "read"), methods=["GET"]),
            Route(f"{API}/company", self._api(self._create, "write"), methods=["POST"]),
            Route(company, self._api(self._get, "read"), methods=["GET"]),
            Route(company, self._api(self._patch, "write"), methods=["PATCH"]),
            Route(company, self._api(self._delete, "write"), methods=["DELETE"]),
            Route(f"{API}/traveller/{{uuid}}", self._api(self._traveller, "read", company=False),
                  methods=["GET"]),
        ]
        return Starlette(routes=routes)

    async def _metadata(self, request: Request) -> Response:
        return self.oauth.metadata(str(request.base_url).rstrip("/"))

    # -- knobs for tests and the demo -------------------------------------------

    def throttle(self, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next ``times`` API requests with 429 and this Retry-After."""
        self._forced.extend([retry_after] * times)

    def expire_access_tokens(self) -> None:
        self.oauth.expire_access_tokens()

    def revoke(self, login: str = "remo") -> None:
        """The traveller withdrew the bot's access in Faces."""
        self.oauth.revoke_user(login)

    def grant_count(self, grant_type: str, outcome: str = "ok") -> int:
        return self.oauth.grants.count((grant_type, outcome))

    def valid_refresh_tokens(self) -> set[str]:
        return {t for t, (g, valid) in self.oauth.refresh.items() if valid and not g.revoked}

    def statuses(self, method: str, path_contains: str) -> list[int]:
        return [s for m, p, s in self.log if m == method and path_contains in p]

    # -- the API frame: token, scope, rate limit ----------------------------------

    def _api(self, handler: Any, scope: str, *, company: bool = True) -> Any:
        needed = data.READ if scope == "read" else data.WRITE

        async def endpoint(request: Request) -> Response:
            try:
                token = self.oauth.bearer(request)
                response = self._limit(token) or await self._checked(
                    request, handler, token, needed, company)
                response.headers.update(self._headers(token))
            except OAuthRefused as refused:
                response = refused.response()
            self.log.append((request.method, request.url.path, response.status_code))
            return response
        return endpoint

    async def _checked(self, request: Request, handler: Any, token: AccessToken,
                       needed: str, company: bool) -> Response:
        if needed not in token.grant.scope:
            return _error(403, "insufficient_scope", f"{needed} is required")
        if company and token.grant.user is not None:
            return _error(403, "forbidden", "company data is not available to travellers")
        response: Response = await handler(request, token, **request.path_params)
        return response

    def _window(self, token: AccessToken) -> tuple[str, SlidingWindow]:
        holder = token.grant.user or f"client:{token.grant.client_id}"
        window = self._windows.setdefault(holder, SlidingWindow(self.rate_limit, WINDOW))
        window.limit = self.rate_limit
        return holder, window

    def _limit(self, token: AccessToken) -> Response | None:
        holder, window = self._window(token)
        now = self.clock.now().timestamp()
        if now < self._blocked_until.get(holder, 0.0):
            self.early += 1
        wait = window.wait_time(now)
        if self._forced or wait > 0:
            retry = self._forced.pop(0) if self._forced else max(1, math.ceil(wait))
            self._blocked_until[holder] = now + retry
            return _error(429, "too_many_requests", "rate limit exceeded",
                          headers={"Retry-After": str(retry)})
        window.take(now)
        return None

    def _headers(self, token: AccessToken) -> dict[str, str]:
        _, window = self._window(token)
        now = self.clock.now().timestamp()
        remaining = max(0, window.limit - window.used(now))
        reset = math.ceil(window.events[0] + WINDOW - now) if window.events else 0
        return {"X-RateLimit-Limit": str(window.limit), "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": str(max(0, reset))}

    # -- companies -----------------------------------------------------------------

    async def _search(self, request: Request, token: AccessToken) -> Response:
        query = request.query_params
        q = (query.get("q") or "").strip().lower()
        try:
            page, size = int(query.get("page", "0")), int(query.get("pageSize", "10"))
        except ValueError:
            return _error(400, "validation", "page and pageSize must be numbers")
        if not q or page < 0 or not 0 < size <= 100:
            return _error(400, "validation", "q is required, page >= 0, 0 < pageSize <= 100")
        found = sorted((c for c in self.companies.values()
                        if q in str(c["name"]).lower() or q in str(c["shortname"]).lower()),
                       key=lambda c: str(c["name"]).lower())
        chunk = found[page * size:(page + 1) * size]
        details = query.get("includeDetails", "false").lower() == "true"
        sections = [s for s in query.get("detailSections", "").split(",") if s]
        results = [self._view(c, sections) if details else {"uuid": c["uuid"], "name": c["name"]}
                   for c in chunk]
        return JSONResponse({"moreResults": len(found) > (page + 1) * size, "results": results})

    def _view(self, company: dict[str, Any], sections: list[str] | None) -> dict[str, Any]:
        view = copy.deepcopy(company)
        if sections is not None:
            keys = {data.SECTION_KEYS.get(s.strip().upper()) for s in sections}
            view["data"] = {k: v for k, v in view["data"].items() if k in keys}
        return view

    async def _get(self, request: Request, token: AccessToken, uuid: str) -> Response:
        company = self.companies.get(uuid)
        if company is None:
            return _error(404, "not_found", "no such company")
        sections = request.query_params.get("sections")
        return JSONResponse(self._view(company, sections.split(",") if sections else None))

    async def _create(self, request: Request, token: AccessToken) -> Response:
        body = await _json(request)
        if "uuid" in body:
            return _error(400, "validation", "uuid cannot be provided")
        if not body.get("name") or not body.get("shortname"):
            return _error(400, "validation", "name and shortname are required")
        uuid = f"{secrets.token_hex(4)}-0000-4000-8000-{secrets.token_hex(6)}"
        stored = {"uuid": uuid, "externalNr": body.get("externalNr"), "name": body["name"],
                  "shortname": body["shortname"],
                  "data": {"memberships": {"airline": [], "hotel": [], "rentalCar": []},
                           "genericValues": {}}}
        _merge(stored, {"data": body.get("data") or {}})
        self.companies[uuid] = stored
        return JSONResponse(self._view(stored, None))

    async def _patch(self, request: Request, token: AccessToken, uuid: str) -> Response:
        company = self.companies.get(uuid)
        if company is None:
            return _error(404, "not_found", "no such company")
        body = await _json(request)
        body.pop("uuid", None)
        self.patches[uuid] += 1
        if "name" in body and not body["name"]:
            return _error(400, "validation", "name cannot be empty")
        _merge(company, body)
        return JSONResponse(self._view(company, None))

    async def _delete(self, request: Request, token: AccessToken, uuid: str) -> Response:
        if self.companies.pop(uuid, None) is None:
            return _error(404, "not_found", "no such company")
        return Response(status_code=204)

    async def _traveller(self, request: Request, token: AccessToken, uuid: str) -> Response:
        traveller = data.TRAVELLERS.get(token.grant.user or "")
        if traveller is None or traveller.uuid != uuid:
            return _error(403, "forbidden", "travellers may read their own profile only")
        return JSONResponse({"uuid": traveller.uuid, "firstName": traveller.firstname,
                             "lastName": traveller.name})


def _merge(target: dict[str, Any], changes: dict[str, Any]) -> None:
    """The document's PATCH rules: objects merge, generic values null removes,
    collection items by uuid (``_operation: remove`` deletes), new items appended."""
    for key, value in changes.items():
        current = target.get(key)
        if key == "genericValues" and isinstance(value, dict):
            merged = dict(current or {})
            for name, item in value.items():
                if item in (None, ""):
                    merged.pop(name, None)
                else:
                    merged[name] = item
            target[key] = merged
        elif isinstance(value, list) and isinstance(current, list):
            _merge_items(current, value)
        elif isinstance(value, dict) and isinstance(current, dict):
            _merge(current, value)
        else:
            target[key] = copy.deepcopy(value)


def _merge_items(items: list[dict[str, Any]], changes: list[dict[str, Any]]) -> None:
    for change in changes:
        uuid = change.get("uuid")
        if uuid is None:
            items.append({**change, "uuid": f"{secrets.token_hex(4)}-item"})
            continue
        match = next((item for item in items if item.get("uuid") == uuid), None)
        if match is None:
            continue  # the document: an unknown uuid is ignored
        if change.get("_operation") == "remove":
            items.remove(match)
        else:
            match.update({k: v for k, v in change.items() if k != "_operation"})


async def _json(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise OAuthRefused(400, "validation", "a JSON object is required")
    return body


def _error(status: int, error: str, message: str,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status, headers=headers)
