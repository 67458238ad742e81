"""Token caching shared by every vendor that hands out expiring tokens.

One vendor issues a JWT per end user, another an access token per
organization; both follow the same rules, written once here:

* a token is reused until ``margin`` before it expires, then fetched anew;
* concurrent callers for the same owner share one fetch (single flight), so
  twenty users arriving together cause one login, not twenty;
* tokens are kept encrypted in the token store, so a restart reuses them;
* a token is only ever handed out for the owner it was fetched for;
* a refused token (HTTP 401) is dropped and fetched once more by
  :class:`CachedTokenAuth`, never in a loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Generator
from datetime import datetime, timedelta, timezone
from typing import Protocol

import httpx

from bot.storage.tokens import StoredToken

Fetch = Callable[[str], Awaitable[StoredToken]]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class TokenStore(Protocol):
    async def load(self, vendor: str, owner: str, kind: str = "access") -> StoredToken | None: ...

    async def save(
        self, vendor: str, owner: str, token: StoredToken, kind: str = "access"
    ) -> None: ...

    async def delete(self, vendor: str, owner: str, kind: str = "access") -> None: ...


class MemoryTokenStore:
    """A store for tests and tools that need no persistence."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], StoredToken] = {}

    async def load(self, vendor: str, owner: str, kind: str = "access") -> StoredToken | None:
        return self._tokens.get((vendor, owner, kind))

    async def save(self, vendor: str, owner: str, token: StoredToken, kind: str = "access") -> None:
        self._tokens[(vendor, owner, kind)] = token

    async def delete(self, vendor: str, owner: str, kind: str = "access") -> None:
        self._tokens.pop((vendor, owner, kind), None)


class TokenCache:
    """Per-owner tokens for one vendor, fetched by ``fetch(owner)``."""

    def __init__(
        self,
        vendor: str,
        store: TokenStore,
        fetch: Fetch,
        *,
        kind: str = "access",
        margin: timedelta = timedelta(seconds=60),
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self._vendor = vendor
        self._store = store
        self._fetch = fetch
        self._kind = kind
        self._margin = margin
        self._now = now
        self._memory: dict[str, StoredToken] = {}
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def _lock(self, owner: str) -> asyncio.Lock:
        lock = self._locks.get(owner)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[owner] = lock
        return lock

    def _fresh(self, token: StoredToken | None) -> bool:
        return token is not None and token.expires_at - self._margin > self._now()

    async def _current(self, owner: str) -> StoredToken | None:
        token = self._memory.get(owner)
        if token is None:
            token = await self._store.load(self._vendor, owner, self._kind)
            if token is not None:
                self._memory[owner] = token
        return token

    async def get(self, owner: str) -> str:
        """A valid token for ``owner``, fetching one only when needed."""
        token = await self._current(owner)
        if self._fresh(token):
            assert token is not None
            return token.value
        return await self._renew(owner, stale=token.value if token else None)

    async def renew(self, owner: str, stale: str) -> str:
        """Replace ``stale`` (refused by the vendor) unless someone already did."""
        return await self._renew(owner, stale=stale)

    async def _renew(self, owner: str, stale: str | None) -> str:
        async with self._lock(owner):
            token = await self._current(owner)
            if token is not None and token.value != stale and self._fresh(token):
                return token.value  # another caller renewed it while we waited
            token = await self._fetch(owner)
            self._memory[owner] = token
            await self._store.save(self._vendor, owner, token, self._kind)
            return token.value

    async def forget(self, owner: str) -> None:
        self._memory.pop(owner, None)
        await self._store.delete(self._vendor, owner, self._kind)


class CachedTokenAuth(httpx.Auth):
    """httpx auth that adds ``owner``'s token and retries once after a 401.

    Being an ``httpx.Auth`` keeps the retry inside the one request call, so
    every vendor client gets it by passing ``auth=`` and nothing else.
    """

    def __init__(
        self, cache: TokenCache, owner: str, *, header: str = "Authorization", scheme: str = "Bearer"
    ) -> None:
        self._cache = cache
        self._owner = owner
        self._header = header
        self._scheme = scheme

    def _apply(self, request: httpx.Request, token: str) -> None:
        request.headers[self._header] = f"{self._scheme} {token}" if self._scheme else token

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("vendor clients are async only")

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self._cache.get(self._owner)
        self._apply(request, token)
        response = yield request
        if response.status_code == 401:
            await response.aread()
            token = await self._cache.renew(self._owner, stale=token)
            self._apply(request, token)
            yield request
