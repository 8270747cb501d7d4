"""Named sessions on SQLite: ``crm.read()`` never takes (or waits for) the write lock;
``crm.write()`` waits only briefly and, while an import holds the lock, answers at once with
"Se está actualizando la cartera" (Busy) instead of waiting or "Algo salió mal"."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, select

import storage.db as db
from crm import terceros
from crm.erp.importer import import_file
from crm.followups import activity, agenda, catalogs
from crm.followups import lifecycle as followups
from crm.followups.agenda import AgendaFilter
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import Busy
from storage import maintenance
from storage.models import Document, FollowUp
from tests.conftest import BotHarness, Team, seed_team
from tests.support.data import make_tercero
from tests.support.notify import add_followups


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connections opened from now on never wait for a lock: any statement that needs the
    write lock while another connection holds it fails at once (instead of after 30 s)."""
    monkeypatch.setattr(db, "BUSY_MS", 0)
    monkeypatch.setattr(db, "INTERACTIVE_BUSY_MS", 0)


def database_file(crm: Crm) -> str:
    database = make_url(crm.url).database
    assert database
    return database


@pytest.fixture
def writer_holding_the_lock(sqlite_crm: Crm) -> Iterator[sqlite3.Connection]:
    """Another process's long write transaction (as an import is), holding the lock."""
    connection = sqlite3.connect(database_file(sqlite_crm), isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("UPDATE users SET language = language")
    try:
        yield connection
    finally:
        connection.execute("ROLLBACK")
        connection.close()


async def fresh_crm(crm: Crm) -> Crm:
    """The same database through a new engine (new connections get the patched timeouts)."""
    engine = db.make_engine(crm.url)
    return Crm(db.make_session_factory(engine), crm.tz, crm.clock, crm.admin_ids)


async def world(crm: Crm, clock: FakeClock) -> tuple[Actor, int, int]:
    users = await seed_team(crm)
    tercero = await make_tercero(crm, encargado_id=users["LUIS"])
    [fid] = await add_followups(crm, users["LUIS"], tercero, clock.now())
    luis = await resolve_actor(crm, Team.luis)
    assert luis is not None
    return luis, tercero, fid


async def test_reads_never_wait_for_a_writer(
    sqlite_crm: Crm, clock: FakeClock, no_waiting: None, request: pytest.FixtureRequest
) -> None:
    luis, tercero, fid = await world(sqlite_crm, clock)
    request.getfixturevalue("writer_holding_the_lock")
    crm = await fresh_crm(sqlite_crm)
    try:
        # Every read a user does while a writer holds the lock: none needs it.
        page = await agenda.agenda_for(crm, luis, AgendaFilter())
        assert [item.id for item in page.items] == [fid]
        card = await terceros.get_card(crm, luis, tercero)
        assert card.id == tercero
        view = await followups.get_followup(crm, luis, fid)
        assert view.id == fid
        assert await followups.list_types(crm)
        admin = await resolve_actor(crm, Team.admin)
        assert admin is not None and await catalogs.list_items(crm, admin, "type")
        assert await terceros.documents(crm, luis, tercero) is not None
        assert await activity.history(crm, luis, fid) is not None
        # A write does need it: refused at once, as a clear Busy, never a raw lock error.
        with pytest.raises(Busy):
            await followups.postpone(crm, luis, fid, 1)
    finally:
        await crm.sessions.kw["bind"].dispose()


async def test_interactive_writes_wait_briefly_then_say_busy(
    sqlite_crm: Crm,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    luis, _tercero, fid = await world(sqlite_crm, clock)
    monkeypatch.setattr(db, "INTERACTIVE_BUSY_MS", 50)
    crm = await fresh_crm(sqlite_crm)
    try:
        holder = request.getfixturevalue("writer_holding_the_lock")
        with pytest.raises(Busy) as busy:
            await followups.postpone(crm, luis, fid, 1)
        assert busy.value.key == "error.busy_updating"
        holder.execute("ROLLBACK")
        holder.execute("BEGIN")  # the fixture's teardown rolls back again
        moved = await followups.postpone(crm, luis, fid, 1)  # lock free: done
        assert moved.due_at > clock.now()
    finally:
        await crm.sessions.kw["bind"].dispose()


async def test_writes_during_an_import_are_refused_at_once_and_work_after(
    sqlite_crm: Crm, clock: FakeClock, tmp_path: Path
) -> None:
    """The real import on its own engine while the bot's use cases run: reads go through,
    writes get Busy without waiting, and the import keeps its contract."""
    luis, tercero, fid = await world(sqlite_crm, clock)
    rows = 30_000
    path = tmp_path / "docs.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("nit,tipo,numero,fecha,valor,saldo\n")
        out.writelines(f"900123456-7,FV,{n},2026-01-02,100.00,50.00\n" for n in range(rows))
    importer = await fresh_crm(sqlite_crm)
    marker = maintenance.marker_path(sqlite_crm.url)
    assert marker is not None
    seen: dict[str, object] = {}
    try:
        job = asyncio.create_task(import_file(importer, "documentos", path, batch_size=500))
        while not marker.exists() and not job.done():
            await asyncio.sleep(0.01)
        assert marker.read_text() == str(os.getpid())
        maintenance._seen.clear()
        assert maintenance.import_running(sqlite_crm.url)
        page = await agenda.agenda_for(sqlite_crm, luis, AgendaFilter())
        seen["agenda"] = [item.id for item in page.items]
        seen["card"] = (await terceros.get_card(sqlite_crm, luis, tercero)).id
        try:
            await followups.postpone(sqlite_crm, luis, fid, 1)
        except Busy as exc:
            seen["write"] = exc.key
        seen["running_at_end"] = not job.done()
        result = await job
    finally:
        await importer.sessions.kw["bind"].dispose()
    assert seen == {
        "agenda": [fid],
        "card": tercero,
        "write": "error.busy_updating",
        "running_at_end": True,
    }
    assert result.written and result.inserted == rows
    assert not marker.exists()
    maintenance._seen.clear()
    moved = await followups.postpone(sqlite_crm, luis, fid, 1)  # after the import: done
    assert moved.version == 2
    async with sqlite_crm.read() as session:
        assert len((await session.scalars(select(Document.id))).all()) == rows
        assert (await session.get(FollowUp, fid)) is not None


def test_a_stale_import_marker_is_ignored(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}"
    marker = maintenance.marker_path(url)
    assert marker is not None and maintenance.marker_path("postgresql://x/y") is None
    dead = os.fork()
    if dead == 0:  # a child that exits at once: its pid is free afterwards
        os._exit(0)
    os.waitpid(dead, 0)
    marker.write_text(str(dead))
    maintenance._seen.clear()
    assert not maintenance.import_running(url)
    with maintenance.importing(url):
        maintenance._seen.clear()
        assert maintenance.import_running(url)
    assert not marker.exists()


async def test_a_press_during_an_import_gets_the_busy_message(
    bot: BotHarness, tmp_path: Path
) -> None:
    tercero = await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    [fid] = await add_followups(bot.crm, bot.users["LUIS"], tercero, bot.clock.now())
    with maintenance.importing(bot.crm.url):
        maintenance._seen.clear()
        calls = await bot.press(Team.luis, f"nt:h1:{fid}:1")
    maintenance._seen.clear()
    texts = " ".join(str(c.params.get("text", "")) for c in calls)
    assert "Se está actualizando la cartera; intenta en un minuto" in texts
    assert "Algo salió mal" not in texts
    calls = await bot.press(Team.luis, f"nt:h1:{fid}:1")
    assert "Algo salió mal" not in " ".join(str(c.params.get("text", "")) for c in calls)
    async with bot.crm.read() as session:
        row = await session.get(FollowUp, fid)
    assert row is not None and row.version == 2  # done once the import is over
