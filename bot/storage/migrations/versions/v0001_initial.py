"""v1: users, tokens, bookings, tickets, OAuth states, subscriptions, broadcasts, the
processed-update log and python-telegram-bot's persistence.

Written with Alembic operations so one script creates the same schema on SQLite and on
PostgreSQL. Timestamps are fixed-width ISO-8601 UTC text on both (see ``_common``), so
ordering and range queries need no dialect's date functions; Telegram ids are BIGINT
(they exceed 32 bits); row ids stay INTEGER so SQLite keeps them as rowid aliases.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TEXT, INT, BIG = sa.Text, sa.Integer, sa.BigInteger


def _col(name: str, kind: type[sa.types.TypeEngine[object]], **kw: object) -> sa.Column[object]:
    kw.setdefault("nullable", False)
    return sa.Column(name, kind(), **kw)  # type: ignore[arg-type]


def _states(column: str, *values: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return sa.CheckConstraint(f"{column} IN ({listed})")


def upgrade() -> None:
    norowid = {"sqlite_with_rowid": False}
    op.create_table(
        "users",
        _col("telegram_id", BIG, primary_key=True, autoincrement=False),
        _col("language", TEXT, nullable=True),
        _col("role", TEXT, server_default="customer"),
        _col("blocked_bot", INT, server_default="0"),
        _col("created_at", TEXT),
        _col("seen_at", TEXT, nullable=True),
        _states("role", "customer", "staff"),
        sa.CheckConstraint("blocked_bot IN (0, 1)"),
    )
    op.create_table(
        "vendor_tokens",
        *(_col(c, TEXT) for c in ("vendor", "owner", "kind", "ciphertext")),
        *(_col(c, TEXT) for c in ("expires_at", "updated_at")),
        sa.PrimaryKeyConstraint("vendor", "owner", "kind"),
        **norowid,
    )
    op.create_table(
        "bookings",
        _col("id", INT, primary_key=True),
        _col("vendor", TEXT),
        _col("external_id", TEXT, nullable=True),
        _col("owner", BIG),
        *(_col(c, TEXT) for c in ("site_id", "site_name", "service_id", "service_name")),
        _col("label", TEXT, nullable=True),
        _col("start_utc", TEXT),
        _col("end_utc", TEXT, nullable=True),
        _col("timezone", TEXT),
        _col("state", TEXT),
        _col("price", TEXT, nullable=True),
        _col("details", TEXT, server_default="{}"),
        _col("idempotency_key", TEXT, nullable=True, unique=True),
        _col("created_at", TEXT),
        _col("updated_at", TEXT),
        _states("state", "pending", "confirmed", "cancelled", "failed"),
        sa.UniqueConstraint("vendor", "external_id"),
    )
    op.create_index("bookings_owner_start", "bookings", ["owner", "start_utc"])
    op.create_table(
        "tickets",
        _col("id", INT, primary_key=True),
        *(_col(c, TEXT) for c in ("vendor", "external_id")),
        _col("owner", BIG),
        *(_col(c, TEXT) for c in ("site_id", "site_name", "number")),
        _col("state", TEXT, server_default="waiting"),
        _col("desk", TEXT, nullable=True),
        _col("card_chat_id", BIG, nullable=True),
        _col("card_message_id", BIG, nullable=True),
        _col("card_hash", TEXT, nullable=True),
        _col("created_at", TEXT),
        _col("updated_at", TEXT),
        _states("state", "waiting", "called", "done", "left"),
        sa.UniqueConstraint("vendor", "external_id"),
    )
    watched = sa.text("state IN ('waiting', 'called')")
    op.create_index(
        "tickets_watched", "tickets", ["state"], sqlite_where=watched, postgresql_where=watched
    )
    op.create_table(
        "ticket_notices",
        sa.Column(
            "ticket_id", INT(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False
        ),
        _col("notice", TEXT),
        _col("sent_at", TEXT),
        sa.PrimaryKeyConstraint("ticket_id", "notice"),
        **norowid,
    )
    op.create_table(
        "oauth_states",
        _col("state", TEXT, primary_key=True),
        _col("telegram_id", BIG),
        *(_col(c, TEXT) for c in ("vendor", "code_verifier", "expires_at", "created_at")),
        **norowid,
    )
    op.create_table(
        "subscriptions",
        *(_col(c, TEXT) for c in ("vendor", "scope", "external_id", "url", "secret")),
        _col("expires_at", TEXT, nullable=True),
        _col("created_at", TEXT),
        _col("updated_at", TEXT),
        sa.PrimaryKeyConstraint("vendor", "scope"),
        **norowid,
    )
    op.create_index("subscriptions_expires", "subscriptions", ["expires_at"])
    op.create_index("subscriptions_external", "subscriptions", ["vendor", "external_id"])
    op.create_table(
        "broadcasts",
        _col("id", INT, primary_key=True),
        _col("author", BIG),
        _col("text", TEXT),
        _col("created_at", TEXT),
    )
    op.create_table(
        "deliveries",
        sa.Column(
            "broadcast_id", INT(), sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _col("telegram_id", BIG),
        _col("state", TEXT, server_default="queued"),
        _col("attempts", INT, server_default="0"),
        *(_col(c, TEXT, nullable=True) for c in ("error", "not_before", "sent_at")),
        _col("updated_at", TEXT),
        _states("state", "queued", "sent", "failed", "blocked"),
        sa.PrimaryKeyConstraint("broadcast_id", "telegram_id"),
    )
    queued = sa.text("state = 'queued'")
    op.create_index(
        "deliveries_queued", "deliveries", ["broadcast_id", "telegram_id"],
        sqlite_where=queued, postgresql_where=queued,
    )  # fmt: skip
    op.create_table(
        "processed_updates",
        _col("update_id", BIG, primary_key=True, autoincrement=False),
        _col("processed_at", TEXT),
    )
    op.create_index("processed_updates_at", "processed_updates", ["processed_at"])
    for kind in ("user", "chat"):
        op.create_table(
            f"ptb_{kind}_data",
            _col(f"{kind}_id", BIG, primary_key=True, autoincrement=False),
            _col("data", TEXT),
        )
    op.create_table(
        "ptb_singletons", _col("name", TEXT, primary_key=True), _col("data", TEXT), **norowid
    )
    op.create_table(
        "ptb_conversations",
        *(_col(c, TEXT) for c in ("name", "key", "state")),
        sa.PrimaryKeyConstraint("name", "key"),
        **norowid,
    )


def downgrade() -> None:
    raise NotImplementedError("the bot never downgrades: restore a backup instead")
