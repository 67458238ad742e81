"""The Umbrella Faces Profiles on Demand API over HTTP, and nothing else.

Sources: the document ``umbrella-faces-profiles-on-demand.txt`` (OAuth flows,
ID token, company endpoints). Umbrella publishes no SDK or OpenAPI file we
could find (searched public code and documentation for the swagger.yml the
document mentions); one public third-party integration confirms the token
call with Basic client auth and the ``api/v1/profiles/traveller/<uuid>``
path. Everything below marked *inferred* is our reading where the document
is silent, and the simulator implements exactly that:

* *inferred*: refusals at the token endpoint follow RFC 6749 5.2 (400
  ``invalid_grant``, 401 ``invalid_client``); the refresh token lives until
  refused (we keep it 180 days at most) and, when an answer carries a new
  one, the old one is dead (rotation, RFC 9700 4.14.2);
* *inferred*: the ID token may carry ``exp``, ``iat`` and ``aud`` (our client
  id); they are checked when present (:mod:`bot.vendors.faces.idtoken`);
* *inferred*: ``GET api/v1/profiles/traveller/<uuid>`` answers the linked
  traveller with their own token (we read only ``uuid``); it is the call
  that tells us the link still works, refreshing the access token on a 401;
* *inferred*: rate limits are told by ``Retry-After`` on 429 and
  ``X-RateLimit-Remaining``/``X-RateLimit-Reset`` (:mod:`.pacing`);
* *inferred*: a PATCH answers 200 with the profile (or 204), validation
  errors of create/patch answer 400/422 with ``message`` or ``error``.

Tokens: per linked user (owner = the user's pseudonym) kinds ``access``,
``refresh`` and ``profile`` (the verified ID token claims) in the encrypted
token store; the client credentials token under owner ``client``. Access
tokens live in :class:`~bot.vendors._tokens.TokenCache`, whose fetch is the
refresh grant (single flight per user, so a rotated refresh token is never
used twice), and :class:`~bot.vendors._tokens.CachedTokenAuth` renews once
after a 401. Every failure leaves as an error of :mod:`bot.vendors.errors`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ValidationError

from bot.storage.tokens import StoredToken
from bot.vendors._http import VendorHttp
from bot.vendors._tokens import CachedTokenAuth, TokenCache, TokenStore, utcnow
from bot.vendors.errors import AuthFailed, InputRejected, ServiceUnavailable
from bot.vendors.faces.config import Settings
from bot.vendors.faces.idtoken import IdTokenVerifier
from bot.vendors.faces.models import CompanyProfile, CompanySearch, IdClaims, TokenAnswer
from bot.vendors.faces.oauth import TokenEndpoint
from bot.vendors.faces.pacing import Pacer

VENDOR = "faces"
API = "/api/v1/profiles"
APP_OWNER = "client"
REFRESH_KEEP = timedelta(days=180)
M = TypeVar("M", bound=BaseModel)


class FacesClient:
    """One registered Faces client: linked users and the agency's directory."""

    def __init__(
        self,
        settings: Settings,
        store: TokenStore,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        now: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if not settings.enabled:
            raise ServiceUnavailable("Faces is not configured", vendor=VENDOR)
        self.settings = settings
        self._store = store
        self._now = now
        self.http = VendorHttp(VENDOR, settings.base_url, transport=transport,
                               deadline=settings.deadline_seconds)
        self.endpoint = TokenEndpoint(settings, self.http)
        self.verifier = IdTokenVerifier(self.http, settings.client_id or "", monotonic=monotonic)
        self.pacer = Pacer(max_wait=settings.max_retry_wait, sleep=sleep, monotonic=monotonic)
        self.user_tokens = TokenCache(VENDOR, store, self._refresh, now=now)
        self.app_tokens = TokenCache(VENDOR, store, self._client_token, kind="client", now=now)

    # -- linked users ---------------------------------------------------

    async def exchange(
        self, owner: str, code: str, redirect_uri: str, verifier: str | None = None
    ) -> IdClaims:
        """Trade a code for tokens, verify the ID token, keep all for ``owner``."""
        answer = await self.endpoint.authorization_code(code, redirect_uri, verifier)
        if not answer.id_token or not answer.refresh_token:
            raise AuthFailed("no ID token or refresh token: check the granted scopes",
                             vendor=VENDOR)
        claims = await self.verifier.verify(answer.id_token)
        await self.user_tokens.forget(owner)  # a previous link's token in memory
        await self._keep(owner, answer, claims)
        await self._store.save(VENDOR, owner, self._access(answer))
        return claims

    async def claims(self, owner: str) -> IdClaims | None:
        """The verified claims kept at the last exchange or refresh."""
        stored = await self._store.load(VENDOR, owner, "profile")
        if stored is None:
            return None
        try:
            return IdClaims.model_validate_json(stored.value)
        except ValidationError:
            return None

    async def check(self, owner: str, subject: str) -> None:
        """Ask Faces about the linked traveller: refreshes an expired token,
        AuthFailed when the link is dead (refresh refused)."""
        path = f"{API}/traveller/{quote(subject, safe='')}"
        auth = CachedTokenAuth(self.user_tokens, owner)
        response = await self._send("GET", path, auth=auth)
        if response.status_code in (403, 404):
            return  # the token works; this traveller's record is not ours to read
        self.http.raise_for_common_status(response)

    async def refresh(self, owner: str) -> None:
        """Renew the access token now (rotating the refresh token)."""
        current = await self._store.load(VENDOR, owner)
        await self.user_tokens.renew(owner, stale=current.value if current else "")

    async def unlink(self, owner: str) -> None:
        await self.user_tokens.forget(owner)
        for kind in ("refresh", "profile"):
            await self._store.delete(VENDOR, owner, kind)

    async def _refresh(self, owner: str) -> StoredToken:
        stored = await self._store.load(VENDOR, owner, "refresh")
        if stored is None:
            raise AuthFailed("no Faces account linked", vendor=VENDOR)
        answer = await self.endpoint.refresh_token(stored.value)
        claims = await self.verifier.verify(answer.id_token) if answer.id_token else None
        await self._keep(owner, answer, claims)
        return self._access(answer)

    async def _keep(self, owner: str, answer: TokenAnswer, claims: IdClaims | None) -> None:
        keep_until = self._now() + REFRESH_KEEP
        if answer.refresh_token:  # rotation: the answer's token replaces ours
            await self._store.save(
                VENDOR, owner, StoredToken(answer.refresh_token, keep_until), "refresh")
        if claims is not None:
            await self._store.save(
                VENDOR, owner, StoredToken(claims.model_dump_json(), keep_until), "profile")

    def _access(self, answer: TokenAnswer) -> StoredToken:
        lifetime = timedelta(seconds=max(0.0, min(answer.expires_in, 86_400)))
        return StoredToken(answer.access_token, self._now() + lifetime)

    # -- the agency's company directory (client credentials) --------------

    async def _client_token(self, _owner: str) -> StoredToken:
        return self._access(await self.endpoint.client_credentials())

    async def _as_client(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        auth = CachedTokenAuth(self.app_tokens, APP_OWNER)
        return await self._send(method, path, auth=auth, **kwargs)

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.pacer.send(lambda: self.http.request(method, path, **kwargs))

    async def search_companies(
        self, query: str, *, page: int = 0, page_size: int = 10,
        details: bool = True, sections: tuple[str, ...] = ("CONTACT_DATA",),
    ) -> CompanySearch:
        params: dict[str, str | int] = {
            "q": query, "page": max(0, page), "pageSize": min(max(1, page_size), 100),
            "includeDetails": "true" if details else "false",
        }
        if details and sections:
            params["detailSections"] = ",".join(sections)
        response = await self._as_client("GET", f"{API}/companies", params=params)
        return self._parse(CompanySearch, response)

    async def company(self, uuid: str, sections: tuple[str, ...] = ()) -> CompanyProfile:
        params = {"sections": ",".join(sections)} if sections else None
        response = await self._as_client("GET", self._company(uuid), params=params)
        return self._parse(CompanyProfile, response)

    async def create_company(self, profile: dict[str, Any]) -> CompanyProfile:
        """Create a company; ``name`` and ``shortname`` are required, no ``uuid``."""
        if not profile.get("name") or not profile.get("shortname"):
            raise InputRejected("name and shortname are required", field="name", vendor=VENDOR)
        body = {k: v for k, v in profile.items() if k != "uuid"}
        response = await self._as_client("POST", f"{API}/company", json=body)
        return self._parse(CompanyProfile, response)

    async def update_company(self, uuid: str, changes: dict[str, Any]) -> CompanyProfile | None:
        """Every change of one edit in ONE PATCH, as Faces requires (its
        synchronisation to downline systems breaks on split edits). Only the
        properties to change; collection items by ``uuid``, removal with
        ``"_operation": "remove"``, a generic value removed with null."""
        if not changes:
            raise InputRejected("nothing to change", vendor=VENDOR)
        response = await self._as_client("PATCH", self._company(uuid), json=changes)
        if response.status_code == 204:
            return None
        return self._parse(CompanyProfile, response)

    async def delete_company(self, uuid: str) -> None:
        """Deletes the company AND all its traveller profiles, also downline."""
        self._check(await self._as_client("DELETE", self._company(uuid)))

    @staticmethod
    def _company(uuid: str) -> str:
        return f"{API}/company/{quote(uuid, safe='')}"

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- translation at the boundary --------------------------------------

    def _check(self, response: httpx.Response) -> None:
        if response.status_code in (400, 409, 422):
            raise InputRejected(_reason(response), vendor=VENDOR)
        self.http.raise_for_common_status(response)

    def _parse(self, model: type[M], response: httpx.Response) -> M:
        self._check(response)
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise ServiceUnavailable(f"unexpected {model.__name__} payload",
                                     vendor=VENDOR) from exc


def _reason(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])[:300]
    return f"HTTP {response.status_code}"
