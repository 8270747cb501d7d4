"""followups.import_key: the natural key of follow-ups carried over from the ERP

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the import key and its unique index (the ON CONFLICT target of re-imports)."""
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("import_key", sa.String(length=200), nullable=True))
    op.create_index("ux_followups_import_key", "followups", ["import_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_followups_import_key", table_name="followups")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_column("import_key")
