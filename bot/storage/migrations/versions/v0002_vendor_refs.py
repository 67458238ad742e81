"""v2: what a vendor adapter must remember per owner because the vendor cannot list it
(e.g. which appointments a customer booked). ``data`` is the adapter's own JSON."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vendor_refs",
        *(sa.Column(c, sa.Text(), nullable=False) for c in ("vendor", "owner", "ref_id")),
        sa.Column("data", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("vendor", "ref_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("vendor_refs_owner", "vendor_refs", ["vendor", "owner"])


def downgrade() -> None:
    raise NotImplementedError("the bot never downgrades: restore a backup instead")
