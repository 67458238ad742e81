"""Exceptions raised by the storage layer.

Callers catch :class:`StorageError` to handle "the database let us down" in one place,
without depending on ``sqlite3`` or ``cryptography`` exception types.
"""

from __future__ import annotations

__all__ = [
    "DecryptionError",
    "IdempotencyConflictError",
    "NotFoundError",
    "StorageError",
]


class StorageError(Exception):
    """Base class: any failure of the storage layer (SQLite errors are wrapped in it)."""


class DecryptionError(StorageError):
    """A secret could not be decrypted: wrong BOT_SECRET_KEY, tampered or misplaced data."""


class NotFoundError(StorageError, LookupError):
    """An update addressed a row that does not exist."""


class IdempotencyConflictError(StorageError):
    """An idempotency key was reused for a different owner or vendor.

    Returning the other row would leak someone else's booking, so this is refused loudly.
    """
