"""ID tokens, checked against the certificate Faces publishes in its SAML metadata.

The document says the ID token is "cryptographically signed using our
Service Provider Certificate available at <faces_url>/saml/metadata"; its
example header is ``{"alg":"RS256"}`` with no ``kid``. So the keys are the
``X509Certificate`` elements of the metadata's signing ``KeyDescriptor``
(one without ``use`` serves both signing and encryption, as SAML metadata
allows), fetched once and cached. A token no cached key verifies makes us
fetch the metadata again (Faces may have rolled its certificate), at most
once per ``refetch_interval`` so forged tokens cannot make us hammer Faces.

PyJWT does the verification: RS256 only (never ``none`` or HS256 with the
public key as secret), ``exp``/``nbf``/``iat`` where present with a minute of
leeway, and ``aud`` where present must name our client id. Claims we do not
know are ignored; a token without ``openid`` is refused.

The metadata is parsed with the standard library's ElementTree, whose
expat refuses external entities and entity expansion attacks since 2.4.1.
"""

from __future__ import annotations

import base64
import binascii
import logging
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from pydantic import ValidationError

from bot.vendors._http import VendorHttp
from bot.vendors.errors import AuthFailed, ServiceUnavailable
from bot.vendors.faces.models import IdClaims

log = logging.getLogger("bot.vendors.faces")

VENDOR = "faces"
METADATA_PATH = "/saml/metadata"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


def signing_keys(metadata: bytes) -> list[RSAPublicKey]:
    """The RSA keys of the signing certificates in a SAML metadata document."""
    try:
        root = ElementTree.fromstring(metadata)
    except ElementTree.ParseError as exc:
        raise ServiceUnavailable("SAML metadata is not XML", vendor=VENDOR) from exc
    keys: list[RSAPublicKey] = []
    for descriptor in root.iter(f"{{{MD}}}KeyDescriptor"):
        if descriptor.get("use", "signing") != "signing":
            continue
        for element in descriptor.iter(f"{{{DS}}}X509Certificate"):
            try:
                der = base64.b64decode("".join((element.text or "").split()), validate=True)
                key = x509.load_der_x509_certificate(der).public_key()
            except (binascii.Error, ValueError) as exc:
                log.warning("vendor=faces unreadable certificate in metadata: %s", exc)
                continue
            if isinstance(key, RSAPublicKey):
                keys.append(key)
    if not keys:
        raise ServiceUnavailable("no signing certificate in SAML metadata", vendor=VENDOR)
    return keys


class IdTokenVerifier:
    """Verifies ID tokens for one client id; keys cached between calls."""

    def __init__(
        self,
        http: VendorHttp,
        audience: str,
        *,
        refetch_interval: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._audience = audience
        self._interval = refetch_interval
        self._monotonic = monotonic
        self._keys: list[RSAPublicKey] = []
        self._fetched_at: float | None = None

    async def _fetch(self) -> None:
        response = await self._http.request("GET", METADATA_PATH)
        self._http.raise_for_common_status(response)
        if response.status_code != 200:
            raise ServiceUnavailable(f"metadata HTTP {response.status_code}", vendor=VENDOR)
        self._keys = signing_keys(response.content)
        self._fetched_at = self._monotonic()

    async def verify(self, token: str) -> IdClaims:
        """The token's claims if Faces signed it for us; AuthFailed otherwise."""
        if self._fetched_at is None:
            await self._fetch()
        claims = self._decode(token)
        if claims is None and self._may_refetch():
            log.info("vendor=faces ID token signed by an unknown key: re-reading metadata")
            await self._fetch()
            claims = self._decode(token)
        if claims is None:
            raise AuthFailed("ID token signature does not verify", vendor=VENDOR)
        audience = claims.get("aud")
        if audience is not None:
            allowed = [audience] if isinstance(audience, str) else audience
            if not isinstance(allowed, list) or self._audience not in allowed:
                raise AuthFailed("ID token issued for another client", vendor=VENDOR)
        try:
            return IdClaims.model_validate(claims)
        except ValidationError as exc:
            raise AuthFailed("ID token without an openid claim", vendor=VENDOR) from exc

    def _may_refetch(self) -> bool:
        return self._fetched_at is None or self._monotonic() - self._fetched_at >= self._interval

    def _decode(self, token: str) -> dict[str, object] | None:
        """Claims under the first key that verifies; None when none does."""
        for key in self._keys:
            try:
                claims: dict[str, object] = jwt.decode(
                    token, key, algorithms=["RS256"], leeway=60,
                    options={"verify_aud": False, "require": []},
                )
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as exc:
                raise AuthFailed(f"ID token refused: {type(exc).__name__}", vendor=VENDOR) from exc
            return claims
        return None
