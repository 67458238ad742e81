"""The Faces authorization server: the authorize link and the token endpoint.

Every token request authenticates the client with HTTP Basic
(``client_id:client_secret``) and a form body, as the document's cURL
examples do; the grants are ``authorization_code``, ``refresh_token`` and
``client_credentials``. Per RFC 9700 the link carries a one-time ``state``
and, when configured, a PKCE S256 challenge (RFC 7636); the verifier only
ever travels in the token request.

Refusals follow RFC 6749 section 5.2 (``{"error": "invalid_grant", ...}``
with 400, ``invalid_client`` with 401): a refused code or refresh token is
:class:`~bot.vendors.errors.AuthFailed`, so the caller unlinks; a refused
client is a misconfiguration and also AuthFailed, with the reason logged.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
from urllib.parse import urlencode

import httpx
from pydantic import ValidationError

from bot.vendors._http import VendorHttp
from bot.vendors.errors import AuthFailed, ServiceUnavailable
from bot.vendors.faces.config import Settings
from bot.vendors.faces.models import TokenAnswer

log = logging.getLogger("bot.vendors.faces")

VENDOR = "faces"
AUTHORIZE_PATH = "/oauth/authorize"
TOKEN_PATH = "/oauth/token"


def new_state() -> str:
    """An unguessable, single-use ``state`` (256 bits)."""
    return secrets.token_urlsafe(32)


def new_verifier() -> str:
    """A PKCE code verifier: 43 characters from the unreserved set (RFC 7636 4.1)."""
    return secrets.token_urlsafe(32)


def challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def authorize_url(
    settings: Settings, redirect_uri: str, state: str, verifier: str | None = None
) -> str:
    """Where the user approves the link (step 1 of the document)."""
    params = {
        "response_type": "code",
        "client_id": settings.client_id or "",
        "redirect_uri": redirect_uri,
        "scope": " ".join(settings.scopes),
        "state": state,
    }
    if verifier is not None:
        params |= {"code_challenge": challenge(verifier), "code_challenge_method": "S256"}
    return f"{settings.base_url}{AUTHORIZE_PATH}?{urlencode(params)}"


class TokenEndpoint:
    """``POST /oauth/token`` for the three grants, with Basic client auth."""

    def __init__(self, settings: Settings, http: VendorHttp) -> None:
        secret = settings.client_secret.get_secret_value() if settings.client_secret else ""
        self._auth = httpx.BasicAuth(settings.client_id or "", secret)
        self._http = http

    async def authorization_code(
        self, code: str, redirect_uri: str, verifier: str | None = None
    ) -> TokenAnswer:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        if verifier is not None:
            form["code_verifier"] = verifier
        return await self._grant(form)

    async def refresh_token(self, refresh_token: str) -> TokenAnswer:
        return await self._grant({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def client_credentials(self) -> TokenAnswer:
        return await self._grant({"grant_type": "client_credentials"})

    async def _grant(self, form: dict[str, str]) -> TokenAnswer:
        # POST is not retried on transport errors (VendorHttp): a code is single use.
        response = await self._http.request("POST", TOKEN_PATH, data=form, auth=self._auth)
        grant = form["grant_type"]
        if response.status_code in (400, 401):
            error = _oauth_error(response)
            log.warning("vendor=faces grant=%s refused: %s", grant, error)
            raise AuthFailed(f"{grant} refused: {error}", vendor=VENDOR)
        self._http.raise_for_common_status(response)
        try:
            answer = TokenAnswer.model_validate(response.json())
        except (ValueError, ValidationError) as exc:
            raise ServiceUnavailable(f"unexpected {grant} answer", vendor=VENDOR) from exc
        if answer.token_type.lower() != "bearer":
            raise ServiceUnavailable(f"token type {answer.token_type}", vendor=VENDOR)
        return answer


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])[:80]
    return f"HTTP {response.status_code}"
