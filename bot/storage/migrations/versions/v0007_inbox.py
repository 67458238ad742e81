"""v7: updates kept from the moment they are taken from Telegram until processed.

Telegram forgets an update once it is confirmed (the next ``getUpdates``, or a webhook's
200), and the bot confirms before it has finished handling it, since chats run
concurrently. The inbox holds each update (encrypted) from before the confirmation
until the transaction that marks it processed, so a crash, ``kill -9`` or a standby
taking over handles it at the next start instead of losing it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("received_at", sa.Text(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("inbox_received_at", "inbox", ["received_at"])


def downgrade() -> None:
    raise NotImplementedError("the bot never downgrades: restore a backup instead")
