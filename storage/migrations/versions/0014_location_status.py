"""terceros: a location is "proposed" until a supervisor confirms it

``location_status``: "confirmed" (the ERP's, a supervisor's or an admin's) or "proposed" (an
agent saved it from a visit). Visits are never verified against a proposed location. Existing
locations an agent saved from a visit become proposed; every other existing one is confirmed.

Revision ID: 0014
Revises: 0010 (the chain's head when written; re-chain after any 0013 at merge)
Create Date: 2026-12-10 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the column and classify the locations already stored."""
    with op.batch_alter_table("terceros", schema=None) as batch_op:
        batch_op.add_column(sa.Column("location_status", sa.String(length=10), nullable=True))
    op.execute(
        "UPDATE terceros SET location_status = 'proposed' "
        "WHERE latitude IS NOT NULL AND location_source = 'visit' "
        "AND location_by_id IN (SELECT id FROM users WHERE role = 'agent')"
    )
    op.execute(
        "UPDATE terceros SET location_status = 'confirmed' "
        "WHERE latitude IS NOT NULL AND location_status IS NULL"
    )


def downgrade() -> None:
    """Drop it again."""
    with op.batch_alter_table("terceros", schema=None) as batch_op:
        batch_op.drop_column("location_status")
