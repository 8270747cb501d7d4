"""terceros gain coordinates and their source; follow-up events can be visits

Terceros: latitude / longitude (decimal degrees), location_source ("erp", "visit", "shared"),
location_by_id and location_at. Follow-up events of kind "visit": ended_at, distance_m,
verified and visit_check (start and the agent's position: the existing at, latitude,
longitude).

Revision ID: 0009
Revises: 0012 (written on 0005; chained after main's 0012 when main gained it)
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the location columns to terceros and the visit columns to followup_events."""
    with op.batch_alter_table("terceros", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("location_source", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("location_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("location_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            "fk_terceros_location_by_id_users", "users", ["location_by_id"], ["id"]
        )
    with op.batch_alter_table("followup_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("distance_m", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("verified", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("visit_check", sa.String(length=12), nullable=True))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("followup_events", schema=None) as batch_op:
        batch_op.drop_column("visit_check")
        batch_op.drop_column("verified")
        batch_op.drop_column("distance_m")
        batch_op.drop_column("ended_at")
    with op.batch_alter_table("terceros", schema=None) as batch_op:
        batch_op.drop_constraint("fk_terceros_location_by_id_users", type_="foreignkey")
        batch_op.drop_column("location_at")
        batch_op.drop_column("location_by_id")
        batch_op.drop_column("location_source")
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
