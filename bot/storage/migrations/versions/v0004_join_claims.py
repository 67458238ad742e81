"""v4: queue joins claimed before the vendor is called.

A join has no idempotency key at the vendor, so the bot writes a claim (its key, whose
join, at which store, and the request, encrypted: it holds a name, phone or e-mail)
before registering the person, and removes it in the transaction that stores the ticket.
A claim still there after a crash means "the vendor may have registered them": it is
looked up at the vendor by its key instead of registering them again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "join_claims",
        sa.Column("claim_key", sa.Text(), nullable=False, primary_key=True),
        *(sa.Column(c, sa.Text(), nullable=False) for c in ("vendor", "site_id", "site_name")),
        sa.Column("owner", sa.BigInteger(), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("join_claims_owner", "join_claims", ["owner", "vendor", "site_id"])


def downgrade() -> None:
    raise NotImplementedError("the bot never downgrades: restore a backup instead")
