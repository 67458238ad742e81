"""The bookingtime simulator's auth server: the two-step token flow, enforced.

``client_credentials`` for our client id (no secret, unless
:attr:`TokenServer.client_secret` is set) gives a refresh token valid
1800 s; ``refresh_token`` with that token and an ``organization_id`` gives an
access token valid 300 s *for that organization only*. Times are on the
simulator's clock, so a test moves it forward to expire tokens. The token
endpoint reads JSON and form-encoded bodies (also form fields sent with a
JSON content type, as the document's own ``curl`` example does). Tokens are
opaque random strings. OAuth errors are ``{"error", "error_description"}``
(400 ``invalid_grant`` for an unknown or expired refresh token, 401
``invalid_client``, 403 ``access_denied`` for an organization the module
may not access).
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.vendors._simulator import SimClock
from bot.vendors.bookingtime import simulator_data as data


class GrantError(Exception):
    """An answer of the token endpoint in OAuth form."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


@dataclass(frozen=True)
class HeldToken:
    owner: str  # client id for refresh tokens, organization id for access tokens
    expires_at: datetime


class TokenServer:
    """``POST /auth/oauth/token`` and the tokens it handed out."""

    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.client_secret: str | None = None  # when set, client_credentials must send it
        self.refresh_lifetime = timedelta(seconds=1800)
        self.access_lifetime = timedelta(seconds=300)
        self.encodings: Counter[str] = Counter()  # "json" / "form" token requests
        self._grants: Counter[tuple[str, str]] = Counter()
        self._refresh: dict[str, HeldToken] = {}
        self._access: dict[str, HeldToken] = {}

    def grants(self, kind: str, organization_id: str | None = None) -> int:
        """Tokens issued of ``kind`` ("refresh" / "access"), for one organization or all."""
        return sum(count for (k, owner), count in self._grants.items()
                   if k == kind and organization_id in (None, owner))

    def access(self, authorization: str) -> HeldToken | None:
        """The access token an ``Authorization: Bearer ...`` header carries, if it is one."""
        scheme, _, value = authorization.partition(" ")
        return self._access.get(value.strip()) if scheme.lower() == "bearer" else None

    async def _fields(self, request: Request) -> dict[str, str]:
        raw = await request.body()
        if "json" in request.headers.get("content-type", ""):
            try:
                parsed = json.loads(raw or b"null")
            except ValueError:
                parsed = None  # form fields under a JSON content type, as in the document
            if isinstance(parsed, dict):
                self.encodings["json"] += 1
                return {k: str(v) for k, v in parsed.items() if v is not None}
        self.encodings["form"] += 1
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))

    async def token(self, request: Request) -> Response:
        fields = await self._fields(request)
        client_id = fields.get("client_id", "")
        if not client_id:
            raise GrantError(400, "invalid_request", "client_id is required")
        if not hmac.compare_digest(client_id, data.CLIENT_ID):
            raise GrantError(401, "invalid_client", "unknown client")
        grant = fields.get("grant_type")
        if grant == "client_credentials":
            return self._client_credentials(fields)
        if grant == "refresh_token":
            return self._refresh_grant(fields)
        raise GrantError(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported")

    def _client_credentials(self, fields: dict[str, str]) -> Response:
        sent = fields.get("client_secret", "")
        if not hmac.compare_digest(sent, self.client_secret or ""):
            raise GrantError(401, "invalid_client", "wrong client secret")
        token = secrets.token_urlsafe(32)
        self._refresh[token] = HeldToken(data.CLIENT_ID, self.clock.now() + self.refresh_lifetime)
        self._grants[("refresh", data.CLIENT_ID)] += 1
        return JSONResponse({"refresh_token": token, "token_type": "Bearer",
                             "expires_in": int(self.refresh_lifetime.total_seconds())})

    def _refresh_grant(self, fields: dict[str, str]) -> Response:
        held = self._refresh.get(fields.get("refresh_token", ""))
        if held is None or held.owner != fields["client_id"]:
            raise GrantError(400, "invalid_grant", "unknown refresh token")
        if held.expires_at <= self.clock.now():
            raise GrantError(400, "invalid_grant", "the refresh token has expired")
        organization = fields.get("organization_id", "")
        if not organization:
            raise GrantError(400, "invalid_request", "organization_id is required")
        if organization not in data.ORGANIZATIONS:
            raise GrantError(403, "access_denied", "the module may not access this organization")
        token = secrets.token_urlsafe(32)
        self._access[token] = HeldToken(organization, self.clock.now() + self.access_lifetime)
        self._grants[("access", organization)] += 1
        return JSONResponse({"access_token": token, "token_type": "Bearer",
                             "expires_in": int(self.access_lifetime.total_seconds())})
