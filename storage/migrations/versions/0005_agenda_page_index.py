"""followups: the agenda's index ends with the id, so a page never needs a sort

The agenda pages by (due_at, id). SQLite appends the rowid (= id) to every index, but
PostgreSQL does not: with only (owner_id, status, due_at) it read every active follow-up of the
agent and sorted them for each page (~7 ms for page 150 of an agent with 1500 active). With the
id in the index, the page is read in order straight from it, and the counts stay index-only.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "ix_followups_owner_status_due"
NEW = "ix_followups_owner_status_due_id"


def upgrade() -> None:
    """Replace the owner/status/due index by one that also orders by id."""
    op.create_index(NEW, "followups", ["owner_id", "status", "due_at", "id"], unique=False)
    op.drop_index(OLD, table_name="followups")


def downgrade() -> None:
    """Back to the owner/status/due index of 0001."""
    op.create_index(OLD, "followups", ["owner_id", "status", "due_at"], unique=False)
    op.drop_index(NEW, table_name="followups")
