"""Every contact through the Ley 2300 guard: activity kinds name their contact channel, and a
contact attempt points at the follow-up event that records it

``activities.canal``: the contact channel an activity is ("llamada", "whatsapp", "sms",
"correo", "visita"; NULL: not a contact), seeded from the existing names. ``contact_attempts``
gains ``event_id`` (the contact's event, where a note added later goes) and its ``result``
holds an activity's name (up to 80 characters).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-10 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The seeded activities (and any an admin added) by the first words of their name; an admin
# changes them with `crm-bot catalog channel` or /config.
SEED = (
    ("llamada%", "llamada"),
    ("whatsapp%", "whatsapp"),
    ("mensaje de whatsapp%", "whatsapp"),
    ("mensaje de texto%", "sms"),
    ("sms%", "sms"),
    ("mensaje%", "whatsapp"),
    ("correo%", "correo"),
    ("email%", "correo"),
    ("e-mail%", "correo"),
    ("visita%", "visita"),
)


def upgrade() -> None:
    """Add the columns and name the channel of the existing contact activities."""
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("canal", sa.String(length=20), nullable=True))
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("event_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_contact_attempts_event_id_followup_events",
            "followup_events",
            ["event_id"],
            ["id"],
        )
        batch_op.alter_column(
            "result",
            existing_type=sa.String(length=30),
            type_=sa.String(length=80),
            existing_nullable=True,
        )
    activities = sa.table("activities", sa.column("name"), sa.column("canal"))
    for pattern, channel in SEED:
        op.execute(
            activities.update()
            .where(sa.func.lower(activities.c.name).like(pattern), activities.c.canal.is_(None))
            .values(canal=channel)
        )


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.alter_column(
            "result",
            existing_type=sa.String(length=80),
            type_=sa.String(length=30),
            existing_nullable=True,
        )
        batch_op.drop_constraint(
            "fk_contact_attempts_event_id_followup_events", type_="foreignkey"
        )
        batch_op.drop_column("event_id")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_column("canal")
