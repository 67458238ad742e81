"""Authenticated encryption for secrets at rest (vendor tokens, webhook secrets, PKCE).

A copied database file or backup must not hand out working vendor credentials, so the
values are AES-256-GCM encrypted with a key derived from ``BOT_SECRET_KEY``.

* HKDF-SHA256 turns the configured string into exactly 32 key bytes and binds them to this
  purpose (``info``), so the same BOT_SECRET_KEY used elsewhere yields an unrelated key.
  HKDF does not slow down guessing: BOT_SECRET_KEY must be random (for example
  ``python -c "import secrets; print(secrets.token_urlsafe(32))"``), not a password.
* ``context`` is authenticated associated data, typically the row's identity: a ciphertext
  copied into another row (another user's token slot) fails to decrypt.
* A leading version byte leaves room for key rotation or a new scheme later.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .errors import DecryptionError

__all__ = ["SecretBox"]

_VERSION = 1
_NONCE_BYTES = 12  # 96-bit nonce, the size GCM is designed for
_TAG_BYTES = 16
_SALT = b"booking-bot/storage"
_INFO = b"secretbox/aes-256-gcm/v1"


class SecretBox:
    """Encrypts short strings; safe to share between repositories and coroutines."""

    __slots__ = ("_aead",)

    def __init__(self, secret_key: str) -> None:
        if not secret_key or not secret_key.strip():
            raise ValueError("secret_key (BOT_SECRET_KEY) must not be empty")
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
            secret_key.encode("utf-8")
        )
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<redacted>)"

    def __reduce__(self) -> NoReturn:
        # Pickling would write the key material wherever the pickle goes.
        raise TypeError("SecretBox cannot be pickled")

    def encrypt(self, plaintext: str, *, context: str) -> str:
        """Return urlsafe base64 of ``version | nonce | ciphertext+tag``."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), _aad(_VERSION, context))
        return base64.urlsafe_b64encode(bytes([_VERSION]) + nonce + sealed).decode("ascii")

    def decrypt(self, token: str, *, context: str) -> str:
        """Inverse of :meth:`encrypt`; raises :class:`DecryptionError` on any mismatch."""
        try:
            blob = base64.urlsafe_b64decode(token.encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
            raise DecryptionError("ciphertext is not valid base64") from exc
        if len(blob) < 1 + _NONCE_BYTES + _TAG_BYTES:
            raise DecryptionError("ciphertext is truncated")
        version = blob[0]
        if version != _VERSION:
            raise DecryptionError(f"unknown ciphertext version {version}")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            plaintext = self._aead.decrypt(nonce, sealed, _aad(version, context))
        except InvalidTag as exc:
            raise DecryptionError(
                "decryption failed: wrong BOT_SECRET_KEY, tampered data or wrong context"
            ) from exc
        return plaintext.decode("utf-8")


def _aad(version: int, context: str) -> bytes:
    return bytes([version]) + context.encode("utf-8")
