"""users: telegram_id may be empty (pending users from the ERP); invitations that link them

A user imported by ``crm-bot import usuarios`` without a ``telegram_id`` is *pending*: terceros
and follow-ups can already name them, and ``crm-bot users link CODE`` prints the one-time link
that binds the first Telegram account opening it.

Revision ID: 0007
Revises: 0009 (written on 0005; re-chained after main gained 0012 and 0009)
Create Date: 2026-12-01 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


REQUIRED = "telegram_id BIGINT NOT NULL"
OPTIONAL = "telegram_id BIGINT"


def _sqlite_users_sql(old: str, new: str) -> None:
    # Rebuilding users (Alembic's batch mode) drops the table every other table points at,
    # which SQLite refuses with foreign keys on, and they cannot be switched off inside the
    # migration's transaction. Dropping a NOT NULL changes no stored data, so SQLite's
    # documented alternative applies: edit the table's CREATE statement in the schema.
    bind = op.get_bind()
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema=ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = replace(sql, ?, ?) "
        "WHERE type = 'table' AND name = 'users'",
        (old, new),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version={int(version) + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema=OFF")
    columns = bind.exec_driver_sql("PRAGMA table_info(users)").all()
    required = {row[1]: bool(row[3]) for row in columns}["telegram_id"]
    if required != (new == REQUIRED):
        raise RuntimeError("users.telegram_id: the table's CREATE statement has an unknown form")


def upgrade() -> None:
    """Allow NULL in users.telegram_id (still unique when set); invitations.link_user_id."""
    if op.get_context().dialect.name == "sqlite":
        _sqlite_users_sql(REQUIRED, OPTIONAL)
        # SQLite adds a column with a REFERENCES clause in place (Alembic would rebuild).
        op.execute("ALTER TABLE invitations ADD COLUMN link_user_id INTEGER REFERENCES users (id)")
        return
    op.alter_column("users", "telegram_id", existing_type=sa.BigInteger(), nullable=True)
    op.add_column(
        "invitations",
        sa.Column(
            "link_user_id",
            sa.Integer(),
            sa.ForeignKey("users.id", name="fk_invitations_link_user_id_users"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    """Back to a required telegram_id (pending users must be linked or deleted first)."""
    if op.get_context().dialect.name == "sqlite":
        with op.batch_alter_table("invitations", recreate="never") as batch_op:
            batch_op.drop_column("link_user_id")
        _sqlite_users_sql(OPTIONAL, REQUIRED)
        return
    op.drop_column("invitations", "link_user_id")
    op.alter_column("users", "telegram_id", existing_type=sa.BigInteger(), nullable=False)
