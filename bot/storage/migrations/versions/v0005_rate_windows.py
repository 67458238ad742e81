"""v5: counts of shared limits, per key and window, seen by every process.

Limits that hold per bot or per API key (Telegram's messages a second, a vendor's hits
a minute) are counted here, so a standby taking over in the middle of a window carries
on from the leader's count instead of spending the window again. ``window_start`` is the
window's start in Unix seconds; old windows are deleted by the housekeeping.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_windows",
        sa.Column("key", sa.Text(), nullable=False, primary_key=True),
        sa.Column("window_start", sa.BigInteger(), nullable=False, primary_key=True),
        sa.Column("used", sa.BigInteger(), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("rate_windows_start", "rate_windows", ["window_start"])


def downgrade() -> None:
    raise NotImplementedError("the bot never downgrades: restore a backup instead")
