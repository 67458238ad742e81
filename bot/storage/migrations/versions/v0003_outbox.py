"""v3: one outbox for everything the bot sends unprompted; broadcasts describe their run.

Each row is one message to one chat under a unique ``key`` (``reminder:42:24h``,
``broadcast:7:123456``), so the same notice can never be queued twice. Rows are claimed
(``sending``) before the Bot API call and settled after; a claim whose sender died is
``uncertain`` and never sent again (see :mod:`bot.storage.outbox`). Broadcast recipients
are outbox rows now, so ``deliveries`` goes; a broadcast keeps its audience, photo, mode
and state, and where its live progress message is.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

STATES = ("queued", "held", "sending", "sent", "failed", "blocked", "cancelled", "uncertain")


def _col(name: str, kind: type[sa.types.TypeEngine[object]], **kw: object) -> sa.Column[object]:
    kw.setdefault("nullable", False)
    return sa.Column(name, kind(), **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    text, integer, big = sa.Text, sa.Integer, sa.BigInteger
    op.create_table(
        "outbox",
        _col("id", integer, primary_key=True),
        _col("key", text, unique=True),
        _col("chat_id", big),
        _col("kind", text),
        _col("priority", integer, server_default="1"),
        _col("batch", text, nullable=True),
        _col("payload", text),
        _col("due_at", text),
        _col("state", text, server_default="queued"),
        _col("lease_owner", text, nullable=True),
        _col("lease_until", text, nullable=True),
        _col("attempts", integer, server_default="0"),
        _col("error", text, nullable=True),
        _col("created_at", text),
        _col("updated_at", text),
        _col("sent_at", text, nullable=True),
        sa.CheckConstraint("state IN (" + ", ".join(f"'{s}'" for s in STATES) + ")"),
    )
    queued = sa.text("state = 'queued'")
    op.create_index(
        "outbox_due", "outbox", ["priority", "due_at", "id"],
        sqlite_where=queued, postgresql_where=queued,
    )
    op.create_index("outbox_batch", "outbox", ["batch", "state"])
    op.create_index("outbox_chat", "outbox", ["chat_id"])
    sending = sa.text("state = 'sending'")
    op.create_index(
        "outbox_sending", "outbox", ["lease_until"],
        sqlite_where=sending, postgresql_where=sending,
    )
    op.drop_table("deliveries")
    with op.batch_alter_table("broadcasts") as table:
        table.add_column(sa.Column("audience", sa.Text(), nullable=False, server_default="{}"))
        table.add_column(sa.Column("photo", sa.Text(), nullable=True))
        table.add_column(sa.Column("paid", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("state", sa.Text(), nullable=False, server_default="sending"))
        table.add_column(sa.Column("progress_chat_id", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("progress_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("the bot never downgrades: restore a backup instead")
