"""invitations: revocation, and who created them when that admin is not a registered user

``revoked_at`` / ``revoked_by_id``: an admin can withdraw an open invitation (/invitaciones).
``created_by_telegram_id``: the creator's Telegram id, so an invitation made by a bootstrap
admin (CRM_ADMIN_IDS, no users row) can be re-checked at acceptance like any other.

Revision ID: 0006
Revises: 0007 (written on 0005; re-chained at merge)
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("created_by_telegram_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("created_by_telegram_id")
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoked_at")
