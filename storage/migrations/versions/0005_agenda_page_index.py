"""followups: agenda and notifier indexes end with the id, so no page or scan needs a sort

The agenda pages and the notifier claims by (due_at, id). SQLite appends the rowid (= id) to
every index, but PostgreSQL does not: with only (owner_id, status, due_at) it read every active
follow-up of the agent and sorted them for each page (~7 ms for page 150 of an agent with 1500
active). With the id in the index, the page is read in order straight from it, and the counts
stay index-only. The active-by-due index gets the id and the owner too: the notifier's claim
reads it in order, and a supervisor's page walks it filtering the team's owners from the index.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "ix_followups_owner_status_due"
NEW = "ix_followups_owner_status_due_id"
ACTIVE_DUE = "ix_followups_active_due"
ACTIVE = sa.text("status = 'active'")


def upgrade() -> None:
    """Indexes that also order by id (and carry the owner for the active-by-due one)."""
    op.create_index(NEW, "followups", ["owner_id", "status", "due_at", "id"], unique=False)
    op.drop_index(OLD, table_name="followups")
    _active_due(["due_at", "id", "owner_id"])


def downgrade() -> None:
    """Back to the indexes of 0001."""
    op.create_index(OLD, "followups", ["owner_id", "status", "due_at"], unique=False)
    op.drop_index(NEW, table_name="followups")
    _active_due(["due_at"])


def _active_due(columns: list[str]) -> None:
    op.drop_index(ACTIVE_DUE, table_name="followups", postgresql_where=ACTIVE, sqlite_where=ACTIVE)
    op.create_index(
        ACTIVE_DUE,
        "followups",
        columns,
        unique=False,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
