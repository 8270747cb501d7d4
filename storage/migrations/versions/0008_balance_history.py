"""balance_changes: the saldo history every documentos import writes (recaudo, CEI, promises)

Revision ID: 0008
Revises: 0006b (was 0005; chained after main's head when main was merged in)
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0006b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """The balance history table and its indexes."""
    op.create_table(
        "balance_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("old_balance", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("new_balance", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("encargado_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_balance_changes_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["encargado_id"],
            ["users.id"],
            name=op.f("fk_balance_changes_encargado_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_balance_changes")),
    )
    op.create_index(op.f("ix_balance_changes_at"), "balance_changes", ["at"], unique=False)
    op.create_index(
        "ix_balance_changes_document_id_at",
        "balance_changes",
        ["document_id", "at"],
        unique=False,
    )
    op.create_index(
        "ix_balance_changes_encargado_id_at",
        "balance_changes",
        ["encargado_id", "at"],
        unique=False,
    )


def downgrade() -> None:
    """Drop the balance history."""
    op.drop_index("ix_balance_changes_encargado_id_at", table_name="balance_changes")
    op.drop_index("ix_balance_changes_document_id_at", table_name="balance_changes")
    op.drop_index(op.f("ix_balance_changes_at"), table_name="balance_changes")
    op.drop_table("balance_changes")
