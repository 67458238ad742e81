"""Shared test helpers (imported relatively; conftest only holds fixtures)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.storage import BookingDraftRecord

SECRET = "test-secret-key-0123456789abcdefghijklmnop"
T0 = datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


class FakeClock:
    """Deterministic ``now`` for repositories; advance it explicitly."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_draft(
    owner: int = 1001, *, start: datetime = T0 + timedelta(days=2), **extra: object
) -> BookingDraftRecord:
    fields: dict[str, object] = {
        "vendor": "acme",
        "owner": owner,
        "site_id": "site-1",
        "site_name": "Town Hall",
        "service_id": "svc-passport",
        "service_name": "Passport",
        "start_utc": start,
        "end_utc": start + timedelta(minutes=15),
        "timezone": "Europe/Berlin",
        "price": "25.00 EUR",
        "details": {"note": "bring photo"},
    }
    fields.update(extra)
    return BookingDraftRecord(**fields)  # type: ignore[arg-type]
