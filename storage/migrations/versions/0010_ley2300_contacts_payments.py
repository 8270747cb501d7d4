"""Ley 2300 and proofs of payment: tercero person type and authorised channels, contact
attempts (registered, blocked and overridden) and payment reports read from receipts.

Revision ID: 0010
Revises: 0008 (first written on 0005; re-chained onto main's head)
Create Date: 2026-12-01 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(18, 2, asdecimal=True)


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}"
    )


def upgrade() -> None:
    """Two tercero columns and two tables."""
    with op.batch_alter_table("terceros") as batch:
        batch.add_column(sa.Column("tipo_persona", sa.String(1), nullable=True))
        batch.add_column(sa.Column("canales_autorizados", sa.String(200), nullable=True))
    op.create_table(
        "contact_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=True),
        sa.Column("tercero_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("result", sa.String(30), nullable=True),
        sa.Column("note", sa.String(1000), nullable=True),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("rule", sa.String(20), nullable=True),
        sa.Column("rule_detail", sa.String(200), nullable=True),
        sa.Column("override_reason", sa.String(500), nullable=True),
        sa.Column("protected", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contact_attempts"),
        _fk("contact_attempts", "followup_id", "followups"),
        _fk("contact_attempts", "tercero_id", "terceros"),
        _fk("contact_attempts", "actor_id", "users"),
    )
    op.create_index("ix_contact_attempts_tercero_at", "contact_attempts", ["tercero_id", "at"])
    op.create_index("ix_contact_attempts_followup_id", "contact_attempts", ["followup_id"])
    op.create_index("ix_contact_attempts_actor_id", "contact_attempts", ["actor_id"])
    op.create_index("ix_contact_attempts_at", "contact_attempts", ["at"])
    op.create_table(
        "payment_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("promise_id", sa.Integer(), nullable=True),
        sa.Column("reported_by_id", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(60), nullable=True),
        sa.Column("bank", sa.String(40), nullable=True),
        sa.Column("file_id", sa.String(200), nullable=True),
        sa.Column("ocr_read", sa.Text(), nullable=True),
        sa.Column("balance_at_report", MONEY, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("supervisor_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_payment_reports"),
        _fk("payment_reports", "followup_id", "followups"),
        _fk("payment_reports", "document_id", "documents"),
        _fk("payment_reports", "promise_id", "promises"),
        _fk("payment_reports", "reported_by_id", "users"),
    )
    op.create_index("ix_payment_reports_followup_id", "payment_reports", ["followup_id"])
    op.create_index("ix_payment_reports_document_id", "payment_reports", ["document_id"])
    op.create_index("ix_payment_reports_status", "payment_reports", ["status"])


def downgrade() -> None:
    """Drop the tables and the tercero columns."""
    op.drop_table("payment_reports")
    op.drop_table("contact_attempts")
    with op.batch_alter_table("terceros") as batch:
        batch.drop_column("canales_autorizados")
        batch.drop_column("tipo_persona")
