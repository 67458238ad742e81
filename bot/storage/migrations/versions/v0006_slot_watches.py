"""v6: free-slot watches ("Tell me if a time frees up").

One watch per (vendor, site, service, day) polled for everyone watching it, so one
vendor read serves every watcher; its back-off (``interval_ms``, ``check_at``) is stored
so a restart neither forgets it nor hammers the vendor. Each watcher is a row of its
own, ``notified_at`` set in the transaction that queues the notice in the outbox, and
``round`` counted up when someone notified asks again (it is part of the notice's key).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    text = sa.Text
    op.create_table(
        "slot_watches",
        sa.Column("id", sa.Integer(), primary_key=True),
        *(sa.Column(c, text(), nullable=False) for c in (
            "vendor", "site_id", "service_id", "day", "site", "service", "timezone")),
        sa.Column("interval_ms", sa.BigInteger(), nullable=False),
        sa.Column("check_at", text(), nullable=False),
        sa.Column("created_at", text(), nullable=False),
        sa.UniqueConstraint("vendor", "site_id", "service_id", "day",
                            name="slot_watches_place_day"),
    )
    op.create_index("slot_watches_check", "slot_watches", ["check_at"])
    op.create_index("slot_watches_day", "slot_watches", ["day"])
    op.create_table(
        "slot_watchers",
        sa.Column("watch_id", sa.Integer(),
                  sa.ForeignKey("slot_watches.id", ondelete="CASCADE"), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("language", text(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("created_at", text(), nullable=False),
        sa.Column("notified_at", text(), nullable=True),
        sa.PrimaryKeyConstraint("watch_id", "telegram_id"),
    )
    op.create_index("slot_watchers_user", "slot_watchers", ["telegram_id"])


def downgrade() -> None:
    raise NotImplementedError("the bot never downgrades: restore a backup instead")
