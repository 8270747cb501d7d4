"""send_budget: Telegram's sending budget shared by every instance (when there is no Redis)

One row per message in flight or answered within the last second: at most 30 rows (and one
per chat) are live at any time; rows whose holder died expire (``until``).

Revision ID: 0006b
Revises: 0006
Create Date: 2026-12-01 21:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006b"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=32), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_budget")),
        sa.UniqueConstraint("member", name=op.f("uq_send_budget_member")),
    )
    op.create_index("ix_send_budget_until", "send_budget", ["until"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_send_budget_until", table_name="send_budget")
    op.drop_table("send_budget")
