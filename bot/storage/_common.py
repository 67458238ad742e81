"""Shared helpers for the repositories: time encoding, JSON, the row base model.

Datetimes are stored as fixed-width ISO-8601 UTC text with microseconds
(``2024-05-01T09:30:00.000000+00:00``): readable in the ``sqlite3`` shell, exact on
round trip, and - because every value has the same width and offset - ordered correctly
by plain text comparison, so ``WHERE start_utc >= ?`` needs no SQL date functions.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

__all__ = [
    "UTC",
    "Clock",
    "Row",
    "UtcDatetime",
    "dumps_json",
    "merge_patch",
    "from_db_time",
    "opt_from_db_time",
    "opt_to_db_time",
    "to_db_time",
    "utcnow",
]

#: Injected into repositories so tests can control "now" without patching.
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


#: Aware datetime normalised to UTC; naive values are rejected by validation.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]


class Row(BaseModel):
    """Base for row models: immutable so a row read once cannot drift from the database."""

    # defer_build: each model's validator is built when first used, not at import; most
    # are not needed for a process's first answer, and building them all cost ~0.1 s.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def to_db_time(value: datetime) -> str:
    """Encode an aware datetime; naive ones are refused because their zone is a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: pass an aware (UTC) datetime")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def opt_to_db_time(value: datetime | None) -> str | None:
    return None if value is None else to_db_time(value)


def opt_from_db_time(text: str | None) -> datetime | None:
    return None if text is None else from_db_time(text)


def dumps_json(value: Any) -> str:
    """Compact JSON; non-ASCII kept as is so the stored text stays readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def merge_patch(target: Any, patch: Any) -> Any:
    """JSON merge patch (RFC 7396): ``patch``'s keys replace ``target``'s, recursively;
    a ``None`` value removes the key. Done here, not in SQL, because SQLite's
    ``json_patch`` has no PostgreSQL twin (``jsonb ||`` is shallow and keeps nulls)."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged
