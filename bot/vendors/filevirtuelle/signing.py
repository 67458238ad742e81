"""Request signing: ``Authorization: api_key:signature`` and ``X-FV-TIMESTAMP``.

The signature is the hexadecimal HMAC-SHA1, keyed with the API secret, of
the HTTP verb, the URI and the timestamp (Unix milliseconds) concatenated.
The URI is the request path from ``/api/public/v2`` on, with the query
string exactly as it goes on the wire. Signing runs as an ``httpx.Auth`` so
it sees the final URL (base URL joined, query encoded) and nothing can
change the request after it is signed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Generator

import httpx

from bot.vendors.filevirtuelle.config import API_ROOT

TIMESTAMP_HEADER = "X-FV-TIMESTAMP"


def signature(secret: str, method: str, uri: str, timestamp_ms: int | str) -> str:
    """The documented signature of one request."""
    message = f"{method.upper()}{uri}{timestamp_ms}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha1).hexdigest()


def signed_uri(raw_path: bytes | str) -> str:
    """The part of a raw request target the signature covers.

    ``raw_path`` is the path plus query as sent; anything before the API root
    (a reverse-proxy prefix) is not part of the URI the server checks.
    """
    target = raw_path.decode("ascii") if isinstance(raw_path, bytes) else raw_path
    index = target.find(API_ROOT)
    return target[index:] if index >= 0 else target


class SignatureAuth(httpx.Auth):
    """Signs every request; ``clock`` gives Unix seconds (injectable for tests)."""

    requires_request_body = False
    requires_response_body = False

    def __init__(self, api_key: str, api_secret: str, clock: Callable[[], float] = time.time):
        self._key = api_key
        self._secret = api_secret
        self._clock = clock

    def sign(self, request: httpx.Request) -> httpx.Request:
        timestamp = int(self._clock() * 1000)
        uri = signed_uri(request.url.raw_path)
        digest = signature(self._secret, request.method, uri, timestamp)
        request.headers["Authorization"] = f"{self._key}:{digest}"
        request.headers[TIMESTAMP_HEADER] = str(timestamp)
        request.headers["Content-Type"] = "application/json"
        return request

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield self.sign(request)
