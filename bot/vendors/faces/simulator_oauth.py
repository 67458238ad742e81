"""The simulator's authorization server: authorize page, token endpoint, metadata.

It enforces what RFC 6749, RFC 7636 and RFC 9700 ask of a server: the exact
registered redirect URI (when :attr:`OAuthServer.redirect_uris` is set;
empty accepts any http(s) URI, since tests and the demo learn the bot's
address late), single-use codes living 60 s and bound to client, redirect
URI and PKCE challenge (S256 only; a replayed code revokes what it issued),
HTTP Basic client authentication, refresh tokens rotated on every use with
reuse detection (a rotated token presented again revokes its whole family).
ID token times are real time, not the movable clock: the bot judges them
with its own clock; the movable clock judges what the simulator checks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import html
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

import jwt
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from bot.vendors._simulator import SimClock
from bot.vendors.faces import simulator_data as data
from bot.vendors.faces.simulator_keys import SigningKey, metadata


class OAuthRefused(Exception):
    def __init__(self, status: int, error: str, description: str = "") -> None:
        super().__init__(description or error)
        self.status, self.error, self.description = status, error, description

    def response(self) -> JSONResponse:
        headers = {"WWW-Authenticate": 'Basic realm="faces"'} if self.status == 401 else None
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers=headers)


@dataclass
class Grant:
    """What one user approved for one client: every token issued from it."""

    client_id: str
    user: str | None  # None: client credentials
    scope: frozenset[str]
    revoked: bool = False
    access: set[str] = field(default_factory=set)


@dataclass
class Code:
    grant: Grant
    redirect_uri: str
    challenge: str | None
    expires_at: datetime
    used: bool = False


@dataclass
class AccessToken:
    grant: Grant
    expires_at: datetime


class OAuthServer:
    def __init__(self, clock: SimClock) -> None:
        self.clock = clock
        self.key = SigningKey.shared()
        self.published: list[SigningKey] = [self.key]
        self.foreign_key: SigningKey | None = None  # signs ID tokens when set
        self.redirect_uris: set[str] = set()
        self.auto_decision: str | None = None  # "approve"/"deny": the GET redirects at once
        self.approve_as = "remo"
        self.access_lifetime = timedelta(seconds=3599)
        self.codes: dict[str, Code] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, tuple[Grant, bool]] = {}  # token -> (grant, still valid)
        self.grants: list[tuple[str, str]] = []  # (grant_type, outcome) of every request

    # -- authorize ----------------------------------------------------------

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        client_id, redirect_uri = query.get("client_id", ""), query.get("redirect_uri", "")
        if client_id != data.CLIENT_ID:
            return _page("Unknown application.", 400)
        if not redirect_uri.startswith(("http://", "https://")) or (
                self.redirect_uris and redirect_uri not in self.redirect_uris):
            return _page("This redirect address is not registered for the application.", 400)
        state = query.get("state")
        if query.get("response_type") != "code":
            return _back(redirect_uri, state, error="unsupported_response_type")
        challenge, method = query.get("code_challenge"), query.get("code_challenge_method")
        if challenge is not None and method != "S256":
            return _back(redirect_uri, state, error="invalid_request")
        scope = frozenset(query.get("scope", "").split())
        if not scope or not scope <= data.USER_SCOPES:
            return _back(redirect_uri, state, error="invalid_scope")
        decision, login = self.auto_decision, self.approve_as
        if request.method == "POST":
            try:
                form = await _form(request)
            except OAuthRefused as refused:
                return _page(refused.description, 400)
            decision = str(form.get("decision", ""))
            login = str(form.get("user", login))
        if decision is None:
            return _consent_page(str(request.url), scope)
        if decision != "approve" or login not in data.TRAVELLERS:
            return _back(redirect_uri, state, error="access_denied")
        code = secrets.token_urlsafe(24)
        self.codes[code] = Code(Grant(client_id, login, scope), redirect_uri, challenge,
                                self.clock.now() + timedelta(seconds=60))
        return _back(redirect_uri, state, code=code)

    # -- token ----------------------------------------------------------------

    async def token(self, request: Request) -> Response:
        grant_type = ""
        try:
            form = await _form(request)
            grant_type = str(form.get("grant_type", ""))
            self._client(request)
            if grant_type == "authorization_code":
                answer = self._code(str(form.get("code", "")), str(form.get("redirect_uri", "")),
                                    form.get("code_verifier"))
            elif grant_type == "refresh_token":
                answer = self._refresh(str(form.get("refresh_token", "")))
            elif grant_type == "client_credentials":
                answer = self._issue(Grant(data.CLIENT_ID, None, frozenset(data.CLIENT_SCOPES)))
            else:
                raise OAuthRefused(400, "unsupported_grant_type")
        except OAuthRefused as refused:
            self.grants.append((grant_type, refused.error))
            return refused.response()
        self.grants.append((grant_type, "ok"))
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    def _client(self, request: Request) -> None:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user = password = ""
        if scheme.lower() != "basic" or not (
                hmac.compare_digest(user, data.CLIENT_ID)
                and hmac.compare_digest(password, data.CLIENT_SECRET)):
            raise OAuthRefused(401, "invalid_client", "HTTP Basic client authentication failed")

    def _code(self, value: str, redirect_uri: str, verifier: object) -> dict[str, object]:
        code = self.codes.get(value)
        if code is None:
            raise OAuthRefused(400, "invalid_grant", "unknown code")
        if code.used:
            self.revoke_grant(code.grant)  # RFC 6749 4.1.2: a replayed code
            raise OAuthRefused(400, "invalid_grant", "code already used")
        code.used = True
        if code.expires_at <= self.clock.now():
            raise OAuthRefused(400, "invalid_grant", "code expired")
        if redirect_uri != code.redirect_uri:
            raise OAuthRefused(400, "invalid_grant", "redirect_uri does not match")
        if code.challenge is not None:
            expected = base64.urlsafe_b64encode(
                hashlib.sha256(str(verifier or "").encode()).digest()).rstrip(b"=").decode()
            if not verifier or not hmac.compare_digest(expected, code.challenge):
                raise OAuthRefused(400, "invalid_grant", "PKCE verification failed")
        return self._issue(code.grant)

    def _refresh(self, value: str) -> dict[str, object]:
        grant, valid = self.refresh.get(value, (None, False))
        if grant is None or grant.revoked:
            raise OAuthRefused(400, "invalid_grant", "refresh token revoked or unknown")
        if not valid:
            self.revoke_grant(grant)  # RFC 9700 4.14.2: a rotated token came back
            raise OAuthRefused(400, "invalid_grant", "refresh token already used")
        self.refresh[value] = (grant, False)
        return self._issue(grant)

    def _issue(self, grant: Grant) -> dict[str, object]:
        access = secrets.token_hex(16)
        self.access[access] = AccessToken(grant, self.clock.now() + self.access_lifetime)
        grant.access.add(access)
        answer: dict[str, object] = {
            "access_token": access, "token_type": "bearer",
            "expires_in": int(self.access_lifetime.total_seconds()),
            "scope": " ".join(sorted(grant.scope)),
        }
        if grant.user is not None:
            refresh = secrets.token_hex(16)
            self.refresh[refresh] = (grant, True)
            answer["refresh_token"] = refresh
            if "openid" in grant.scope:
                answer["id_token"] = self.id_token(grant)
        return answer

    def id_token(self, grant: Grant) -> str:
        traveller = data.TRAVELLERS[grant.user or ""]
        now = int(time.time())
        claims: dict[str, object] = {"openid": traveller.uuid, "aud": grant.client_id,
                                     "iat": now, "exp": now + 3600}
        if "profile" in grant.scope:
            claims["profile"] = traveller.profile_claim()
        if "email" in grant.scope and traveller.email:
            claims["email"] = traveller.email
        if "agencyid" in grant.scope:
            claims["agencyid"] = data.AGENCY_ID
        key = self.foreign_key or self.key
        return jwt.encode(claims, key.pem(), algorithm="RS256")

    # -- helpers for the API and tests ----------------------------------------

    def bearer(self, request: Request) -> AccessToken:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = self.access.get(value) if scheme.lower() == "bearer" else None
        if token is None or token.grant.revoked or token.expires_at <= self.clock.now():
            raise OAuthRefused(401, "invalid_token", "access token missing, expired or revoked")
        return token

    def revoke_grant(self, grant: Grant) -> None:
        grant.revoked = True

    def revoke_user(self, login: str) -> None:
        for grant, _ in list(self.refresh.values()):
            if grant.user == login:
                self.revoke_grant(grant)

    def expire_access_tokens(self) -> None:
        for token in self.access.values():
            token.expires_at = min(token.expires_at, self.clock.now())

    def rotate_key(self) -> None:
        self.key = SigningKey()
        self.published = [self.key]

    def metadata(self, base_url: str) -> Response:
        xml = metadata(f"{base_url}/saml/metadata", f"{base_url}/saml/SSO", self.published)
        return Response(xml, media_type="application/samlmetadata+xml")


async def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (no multipart here)."""
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise OAuthRefused(400, "invalid_request", "form-encoded body required")
    return dict(parse_qsl((await request.body()).decode("utf-8", "replace")))


def _back(redirect_uri: str, state: str | None, **params: str) -> RedirectResponse:
    if state is not None:
        params["state"] = state
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(params)}", status_code=302)


def _page(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><title>Umbrella Faces</title><p>{html.escape(text)}</p>",
                        status_code=status)


def _consent_page(action: str, scope: frozenset[str]) -> HTMLResponse:
    options = "".join(f'<option value="{html.escape(login)}">{html.escape(t.displayname)}</option>'
                      for login, t in data.TRAVELLERS.items())
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in sorted(scope))
    return HTMLResponse(
        "<!doctype html><title>Umbrella Faces</title>"
        f"<p>{html.escape(data.APP_NAME)} asks for access to:</p><ul>{scopes}</ul>"
        f'<form method="post" action="{html.escape(action)}">'
        f'<label>Signed in as <select name="user">{options}</select></label> '
        '<button name="decision" value="approve">Authorize</button> '
        '<button name="decision" value="deny">Deny</button></form>'
    )
