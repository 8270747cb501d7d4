"""Synthetic data at benchmark scale, written with the fastest raw path of each engine."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from crm.kernel.text import nit_base, normalize_text

NOW = datetime(2026, 11, 27, 19, 0, tzinfo=UTC)  # 14:00 in Bogotá, a Friday


@dataclass(frozen=True)
class Scale:
    agents: int = 200
    terceros: int = 100_000
    followups: int = 1_000_000
    active_share: float = 0.3
    # The supervisor (users.id 2) leads this many agents, a realistic team; the rest of the
    # agents report to nobody (like PEDRO in the tests).
    team_size: int = 20


def users(scale: Scale) -> Iterator[tuple]:
    yield (1, 10_000_001, "Admin", "ADMIN", "admin", None, True)
    yield (2, 10_000_002, "Supervisora", "SUP", "supervisor", None, True)
    for i in range(scale.agents):
        uid = 3 + i
        supervisor = 2 if i < scale.team_size else None
        yield (uid, 10_000_003 + i, f"Agente {i}", f"A{i:03d}", "agent", supervisor, True)


def terceros(scale: Scale) -> Iterator[tuple]:
    for i in range(1, scale.terceros + 1):
        nit = f"{800_000_000 + i}-{i % 10}"
        name = f"Comercializadora Núñez {i} S.A.S."
        yield (
            i,
            nit,
            nit_base(nit),
            name,
            normalize_text(name),
            "Cra 7 # 12-34",
            "Bogotá",
            "3001234567",
            None,
            3 + (i % scale.agents),
        )


def followups(scale: Scale, seed: int = 7) -> Iterator[tuple]:
    rng = random.Random(seed)
    for i in range(1, scale.followups + 1):
        tercero = rng.randint(1, scale.terceros)
        owner = 3 + (tercero % scale.agents)
        active = rng.random() < scale.active_share
        due = NOW + timedelta(minutes=rng.randint(-60 * 24 * 60, 60 * 24 * 30))
        created = due - timedelta(hours=rng.randint(1, 500))
        status = "active" if active else rng.choice(("closed", "closed", "discarded"))
        yield (
            i,
            tercero,
            1 + (i % 3),
            owner,
            due,
            status,
            None,
            None,
            None,
            None,
            "Llamar para confirmar pago",
            created,
            owner,
            None if active else due,
            rng.randint(0, 3),
            1,
            due if (active and due < NOW and rng.random() < 0.8) else None,
            None,
            None,
            None,
            None,
        )


FOLLOWUP_COLUMNS = (
    "id",
    "tercero_id",
    "type_id",
    "owner_id",
    "due_at",
    "status",
    "state_id",
    "document_id",
    "parent_id",
    "root_id",
    "note",
    "created_at",
    "created_by_id",
    "closed_at",
    "postpone_count",
    "version",
    "notified_due_at",
    "claimed_by",
    "claimed_until",
    "escalated_at",
    "import_key",
)
USER_COLUMNS = ("id", "telegram_id", "name", "code", "role", "supervisor_id", "active")
TERCERO_COLUMNS = (
    "id",
    "nit",
    "nit_base",
    "name",
    "search_name",
    "address",
    "city",
    "phones",
    "email",
    "encargado_id",
)


def _sqlite_value(value: object) -> object:
    if isinstance(value, datetime):
        # Exactly SQLAlchemy's SQLite DATETIME text (always with microseconds): the columns
        # are compared as text, so "19:00:00" would sort before "19:00:00.000000".
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def fill_sqlite(path: str, scale: Scale) -> None:
    """Bulk-load a migrated SQLite file (users get the default columns)."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    # Building the migration's indexes once over sorted data is several times faster than
    # keeping them up to date row by row; they are recreated exactly as the migrations made them.
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "AND tbl_name IN ('users', 'terceros', 'followups')"
    ).fetchall()
    with con:
        for name, _sql in indexes:
            con.execute(f'DROP INDEX "{name}"')
        _sqlite_insert(
            con,
            "users",
            (*USER_COLUMNS, "unreachable", "unreachable_reported", "created_at"),
            ((*u, False, False, NOW) for u in users(scale)),
        )
        _sqlite_insert(con, "terceros", TERCERO_COLUMNS, terceros(scale))
        _sqlite_insert(con, "followups", FOLLOWUP_COLUMNS, followups(scale))
        for _name, sql in indexes:
            con.execute(sql)
    con.execute("ANALYZE")
    con.close()


def _sqlite_insert(
    con: sqlite3.Connection, table: str, columns: tuple[str, ...], rows: Iterator[tuple]
) -> None:
    marks = ",".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})"
    con.executemany(sql, ([_sqlite_value(v) for v in row] for row in rows))


async def fill_postgres(dsn: str, scale: Scale) -> None:
    """Bulk-load a migrated PostgreSQL database with COPY (indexes rebuilt afterwards)."""
    con = await asyncpg.connect(dsn)
    try:
        # Plain indexes (not those backing a primary key or unique constraint) are dropped and
        # recreated from their own definitions; foreign-key triggers are off during the load
        # (the generator only makes valid references), as pg_restore does.
        indexes = await con.fetch(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i "
            "WHERE i.schemaname = 'public' AND i.tablename IN ('users', 'terceros', 'followups') "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        )
        for index in indexes:
            await con.execute(f'DROP INDEX "{index["indexname"]}"')
        await con.execute("SET session_replication_role = replica")
        await con.copy_records_to_table(
            "users",
            columns=(*USER_COLUMNS, "unreachable", "unreachable_reported", "created_at"),
            records=[(*u, False, False, NOW) for u in users(scale)],
        )
        await con.copy_records_to_table(
            "terceros", columns=TERCERO_COLUMNS, records=list(terceros(scale))
        )
        batch: list[tuple] = []
        for row in followups(scale):
            batch.append(row)
            if len(batch) == 100_000:
                await con.copy_records_to_table(
                    "followups", columns=FOLLOWUP_COLUMNS, records=batch
                )
                batch = []
        if batch:
            await con.copy_records_to_table("followups", columns=FOLLOWUP_COLUMNS, records=batch)
        await con.execute("SET session_replication_role = DEFAULT")
        for index in indexes:
            await con.execute(index["indexdef"])
        for table in ("users", "terceros", "followups"):
            await con.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            )
        await con.execute("VACUUM ANALYZE")
    finally:
        await con.close()
