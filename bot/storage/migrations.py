"""Schema migrations, applied in order at :meth:`Database.open`.

Version ``n`` of the schema is the state after ``MIGRATIONS[n - 1]`` has run; the current
version lives in ``PRAGMA user_version`` (stored in the database header, so it moves
atomically with the transaction that applies a migration). Never edit a released script:
append a new one, because databases in the field only run what they have not seen.

Timestamps are ISO-8601 UTC text (see ``_common``), secrets are SecretBox ciphertext.
"""

from __future__ import annotations

import sqlite3

__all__ = ["MIGRATIONS", "split_statements"]

_V1 = """
CREATE TABLE users (
    telegram_id INTEGER PRIMARY KEY,
    language    TEXT,
    role        TEXT NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'staff')),
    blocked_bot INTEGER NOT NULL DEFAULT 0 CHECK (blocked_bot IN (0, 1)),
    created_at  TEXT NOT NULL,
    seen_at     TEXT
);

CREATE TABLE vendor_tokens (
    vendor     TEXT NOT NULL,
    owner      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    ciphertext TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (vendor, owner, kind)
) WITHOUT ROWID;

CREATE TABLE bookings (
    id              INTEGER PRIMARY KEY,
    vendor          TEXT NOT NULL,
    external_id     TEXT,
    owner           INTEGER NOT NULL,
    site_id         TEXT NOT NULL,
    site_name       TEXT NOT NULL,
    service_id      TEXT NOT NULL,
    service_name    TEXT NOT NULL,
    label           TEXT,
    start_utc       TEXT NOT NULL,
    end_utc         TEXT,
    timezone        TEXT NOT NULL,
    state           TEXT NOT NULL
                    CHECK (state IN ('pending', 'confirmed', 'cancelled', 'failed')),
    price           TEXT,
    details         TEXT NOT NULL DEFAULT '{}',
    idempotency_key TEXT UNIQUE,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (vendor, external_id)
);
CREATE INDEX bookings_owner_start ON bookings (owner, start_utc);

CREATE TABLE tickets (
    id              INTEGER PRIMARY KEY,
    vendor          TEXT NOT NULL,
    external_id     TEXT NOT NULL,
    owner           INTEGER NOT NULL,
    site_id         TEXT NOT NULL,
    site_name       TEXT NOT NULL,
    number          TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'waiting'
                    CHECK (state IN ('waiting', 'called', 'done', 'left')),
    desk            TEXT,
    card_chat_id    INTEGER,
    card_message_id INTEGER,
    card_hash       TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (vendor, external_id)
);
CREATE INDEX tickets_watched ON tickets (state) WHERE state IN ('waiting', 'called');

CREATE TABLE ticket_notices (
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    notice    TEXT NOT NULL,
    sent_at   TEXT NOT NULL,
    PRIMARY KEY (ticket_id, notice)
) WITHOUT ROWID;

CREATE TABLE oauth_states (
    state         TEXT PRIMARY KEY,
    telegram_id   INTEGER NOT NULL,
    vendor        TEXT NOT NULL,
    code_verifier TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    created_at    TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    vendor      TEXT NOT NULL,
    scope       TEXT NOT NULL,
    external_id TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    expires_at  TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (vendor, scope)
) WITHOUT ROWID;
CREATE INDEX subscriptions_expires ON subscriptions (expires_at);
CREATE INDEX subscriptions_external ON subscriptions (vendor, external_id);

CREATE TABLE broadcasts (
    id         INTEGER PRIMARY KEY,
    author     INTEGER NOT NULL,
    text       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE deliveries (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    telegram_id  INTEGER NOT NULL,
    state        TEXT NOT NULL DEFAULT 'queued'
                 CHECK (state IN ('queued', 'sent', 'failed', 'blocked')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    error        TEXT,
    not_before   TEXT,
    sent_at      TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (broadcast_id, telegram_id)
);
CREATE INDEX deliveries_queued ON deliveries (broadcast_id, telegram_id) WHERE state = 'queued';

CREATE TABLE processed_updates (
    update_id    INTEGER PRIMARY KEY,
    processed_at TEXT NOT NULL
);
CREATE INDEX processed_updates_at ON processed_updates (processed_at);

CREATE TABLE ptb_user_data (
    user_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);

CREATE TABLE ptb_chat_data (
    chat_id INTEGER PRIMARY KEY,
    data    TEXT NOT NULL
);

CREATE TABLE ptb_singletons (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE ptb_conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
) WITHOUT ROWID;
"""

# v2: what a vendor adapter must remember per owner because the vendor cannot list it
# (e.g. which appointments a customer booked). ``data`` is the adapter's own JSON.
_V2 = """
CREATE TABLE vendor_refs (
    vendor     TEXT NOT NULL,
    owner      TEXT NOT NULL,
    ref_id     TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    PRIMARY KEY (vendor, ref_id)
) WITHOUT ROWID;
CREATE INDEX vendor_refs_owner ON vendor_refs (vendor, owner);
"""

#: Append-only. ``MIGRATIONS[i]`` upgrades the schema from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[str, ...] = (_V1, _V2)


def split_statements(script: str) -> list[str]:
    """Split a script into single statements.

    ``executescript`` would do this for us, but it COMMITs any open transaction first,
    which would break "each migration in its own transaction". ``complete_statement``
    knows about string literals and trigger bodies, so a ``;`` inside them is safe.
    """
    statements: list[str] = []
    buffer = ""
    for chunk in script.split(";"):
        buffer += chunk + ";"
        if sqlite3.complete_statement(buffer):
            if buffer.strip(" \t\r\n;"):
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip(" \t\r\n;"):
        raise ValueError(f"incomplete SQL statement at end of script: {buffer.strip()[:80]!r}")
    return statements
