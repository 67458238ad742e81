"""Shared test helpers (imported relatively; conftest only holds fixtures)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.storage import BookingDraftRecord
from bot.storage.migrations import SCRIPTS

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


#: The newest migration revision: what a database opened by this code ends at.
HEAD = max(script.name[1:5] for script in (SCRIPTS / "versions").glob("v*.py"))


def migration_scripts(folder: Path, *, upto: str | None = None, extra: str | None = None) -> Path:
    """A copy of the real migration scripts (those up to revision ``upto``), plus one
    more revision whose ``upgrade`` runs the SQL statements in ``extra``."""
    versions = folder / "versions"
    versions.mkdir(parents=True)
    head = None
    for script in sorted((SCRIPTS / "versions").glob("v*.py")):
        revision = script.name[1:5]
        if upto is not None and revision > upto:
            break
        shutil.copy(script, versions / script.name)
        head = revision
    if extra is not None:
        (versions / "v9999_extra.py").write_text(
            f"from alembic import op\nrevision = '9999'\ndown_revision = {head!r}\n"
            "branch_labels = depends_on = None\n\n\ndef upgrade():\n"
            f"    for statement in {extra!r}.split(';'):\n"
            "        if statement.strip():\n            op.execute(statement)\n"
        )
    return folder
