"""Security checks: strangers and deactivated users, forged and malformed buttons, the
authorization crawl (every button naming a record, pressed from outside its scope), flood
protection, escaping of free text, and no bot token in logs or error messages."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from contextlib import closing
from dataclasses import dataclass, fields
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any, ClassVar

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from telegram import Update
from telegram.ext import CommandHandler

from bot.logging_setup import RedactTokens
from crm.cobranza import contacts
from crm.followups import catalogs
from crm.followups import lifecycle as followups
from crm.kernel import confirmations
from crm.kernel.actor import Actor, resolve_actor
from crm.people import invitations
from handlers.callbacks import CallbackData
from handlers.flood import FloodGuard
from storage.models import (
    AuditEntry,
    Base,
    FollowUp,
    FollowUpEvent,
    FollowUpType,
    Invitation,
    State,
    Subscription,
    Tercero,
    User,
)
from tests.conftest import BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id
from tests.support.telegram import TOKEN, ApiCall

ADMIN_COMMANDS = (
    "/invitar agente",
    "/usuarios",
    "/config",
    "/reasignar LUIS MARIA",
    "/auditoria",
    "/auditoria excel",
    "/start",
    "texto libre <b>",
)
ADMIN_BUTTONS = (
    "us:page:0",
    "us:off:3",
    "cf:list:type:0",
    "cf:new:type",
    "lt:doc:1",
    "lt:pick:1:1",
    "rs:ter:1",
    "rs:ok:1:2",
    "rs:book:3:4",
    "ad:aud:all:0:0",
    "ad:audx:all:0",
)


class TelegramHtml(HTMLParser):
    """Fails on tags Telegram does not accept or that are left open."""

    ALLOWED: ClassVar[set[str]] = {"b", "i", "u", "s", "code", "pre", "a"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, f"tag <{tag}> would break Telegram's HTML mode"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


def assert_valid_html(text: str) -> None:
    parser = TelegramHtml()
    parser.feed(text)
    parser.close()
    assert not parser.stack, f"unclosed tags {parser.stack}"


async def _audit_count(bot: BotHarness) -> int:
    async with bot.crm.sessions() as session:
        return len((await session.scalars(select(AuditEntry.id))).all())


@pytest.mark.parametrize("user", [Team.stranger, Team.ghost])
async def test_outsiders_get_only_the_refusal_everywhere(bot: BotHarness, user: int) -> None:
    before = await _audit_count(bot)
    for text in ADMIN_COMMANDS:
        bot.clock.advance(minutes=10)  # one refusal per stranger every ten minutes
        calls = await bot.text(user, text)
        assert [c.method for c in calls] == ["sendMessage"], text
        assert str(user) in calls[0].text and "administrador" in calls[0].text
    for data in ADMIN_BUTTONS:
        calls = await bot.press(user, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert calls[0].params["show_alert"] is True
    bot.clock.advance(minutes=10)
    document = bot.updates.document(user, bot=bot.app.bot)
    calls = await bot.send(document)
    assert [c.method for c in calls] == ["sendMessage"]
    assert await _audit_count(bot) == before


async def test_deactivation_applies_at_the_very_next_update(bot: BotHarness) -> None:
    from crm.people import admin as user_admin

    assert "/agenda" in (await bot.text(Team.maria, "/ayuda"))[0].text
    admin = await resolve_actor(bot.crm, Team.admin)
    await user_admin.set_active(bot.crm, admin, bot.users["MARIA"], False)
    calls = await bot.press(Team.maria, "us:page:0")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    calls = await bot.text(Team.maria, "/ayuda")
    assert len(calls) == 1 and "/agenda" not in calls[0].text


async def test_crafted_user_buttons_refused_and_nothing_changes(bot: BotHarness) -> None:
    luis, pedro = bot.users["LUIS"], bot.users["PEDRO"]
    forged = [
        (Team.ana, f"us:off:{luis}"),  # supervisor: read-only even on own team
        (Team.ana, f"us:role:{luis}:admin"),
        (Team.ana, f"us:open:{pedro}"),  # not in her team
        (Team.luis, f"us:role:{luis}:admin"),  # agent promoting himself
        (Team.luis, "us:page:0"),
        (Team.maria, f"us:sup:{pedro}:{bot.users['ANA']}"),
    ]
    for user, data in forged:
        calls = await bot.press(user, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert "No autorizado" in calls[0].params["text"], data
    async with bot.crm.sessions() as session:
        rows = {u.code: u for u in (await session.scalars(select(User))).all()}
    assert rows["LUIS"].active and rows["LUIS"].role == "agent"
    assert rows["PEDRO"].supervisor_id is None


MALFORMED = (
    "us:open:abc",
    "us:open",
    "us:boom:1",
    "us:role:3:emperor",
    "us:" + "9" * 70,
    "cf:list:planets:0",
    "cf:open:type:99999999999999999999999",
    "cf:pick:closed",  # a conversation button outside its conversation
    "cf:mean:1:sideways",
    "lt:doc:x",
    "lt:pick:1",
    "rs:ter:-1",
    "rs:to:1",
    "ad:aud:xx:0:0",
    "ad:aud:all:0",
    "rs:book:1",
    "ad:audx:all:z",
    "us:open:1\x00",
    "cf:\udcff\udcfe",
    "ü" * 40,
)


async def test_malformed_buttons_are_answered_and_ignored(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    before = await _audit_count(bot)
    with caplog.at_level(logging.ERROR):
        for data in MALFORMED:
            calls = await bot.press(Team.admin, data)
            assert calls and calls[-1].method == "answerCallbackQuery", data
            assert calls[-1].params.get("text"), data
            assert all(c.method == "answerCallbackQuery" for c in calls), data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await _audit_count(bot) == before


async def test_unknown_record_ids_are_not_found(bot: BotHarness) -> None:
    for data in ("us:open:99999", "cf:open:type:99999", "lt:doc:99999", "rs:ter:99999"):
        calls = await bot.press(Team.admin, data)
        assert "No encontré" in calls[-1].params["text"], data


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_flood_is_slowed_down_politely(bot: BotHarness) -> None:
    ticks = Ticks()
    bot.app.bot_data["flood_guard"] = FloodGuard(clock=ticks)
    replies = []
    for _ in range(25):
        ticks.now += 0.1
        replies.append(await bot.text(Team.luis, "/ayuda"))
    assert all(len(r) == 1 and "/agenda" in r[0].text for r in replies[:20])
    assert len(replies[20]) == 1 and "muy rápido" in replies[20][0].text
    assert all(r == [] for r in replies[21:])
    # Buttons during the flood are answered silently (no endless spinner), nothing else.
    calls = await bot.press(Team.luis, "us:page:0")
    assert [c.method for c in calls] == ["answerCallbackQuery"] and not calls[0].params.get("text")
    # Another user is not affected.
    assert "/agenda" in (await bot.text(Team.maria, "/ayuda"))[0].text
    ticks.now += 11
    assert "/agenda" in (await bot.text(Team.luis, "/ayuda"))[0].text


def test_flood_guard_window_slides() -> None:
    ticks = Ticks()
    guard = FloodGuard(limit=3, window=10, clock=ticks)
    assert [guard.check(1) for _ in range(3)] == ["ok"] * 3
    assert guard.check(1) == "warn" and guard.check(1) == "drop"
    ticks.now += 10.5
    assert guard.check(1) == "ok"
    guard.forget_idle()
    ticks.now += 60
    guard.forget_idle()
    assert guard._seen == {}


async def test_free_text_stored_as_given_and_rendered_escaped(bot: BotHarness) -> None:
    nasty = "<b>Tipo & *raro*</i> <script>"
    await bot.press(Team.admin, "cf:new:type")
    await bot.text(Team.admin, nasty)
    saved = (await bot.text(Team.admin, "12"))[0]
    assert "&lt;b&gt;Tipo &amp; *raro*&lt;/i&gt; &lt;script&gt;" in saved.text
    assert_valid_html(saved.text)
    async with bot.crm.sessions() as session:
        stored = await session.scalar(
            select(FollowUpType.name).where(FollowUpType.default_hours == 12)
        )
    assert stored == nasty
    listing = (await bot.press(Team.admin, "cf:list:type:0"))[-1]
    assert_valid_html(listing.text)
    audit = (await bot.text(Team.admin, "/auditoria"))[0]
    assert_valid_html(audit.text)
    assert "&lt;script&gt;" in audit.text


async def test_free_text_is_length_limited(bot: BotHarness) -> None:
    await bot.press(Team.admin, "cf:new:state")
    calls = await bot.text(Team.admin, "x" * 81)
    assert "máximo es 80" in calls[0].text
    calls = await bot.text(Team.admin, "/cancelar")
    await bot.press(Team.admin, "cf:new:document")
    await bot.text(Team.admin, "Larga")
    calls = await bot.text(Team.admin, "y" * 3001)
    assert "máximo es 3000" in calls[0].text
    calls = await bot.text(Team.admin, "/invitar agente " + "Z" * 41)
    assert "máximo 40" in calls[-1].text


async def test_user_input_echoed_in_errors_is_escaped(bot: BotHarness) -> None:
    for text in ("/invitar <b>jefe&", "/reasignar <i>x LUIS", "/auditoria usuario <x>"):
        calls = await bot.text(Team.admin, text)
        assert_valid_html(calls[0].text)
        assert "&lt;" in calls[0].text


def test_redaction_filter_hides_token_in_messages_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("crm_bot.test_redaction")
    caplog.handler.addFilter(RedactTokens(TOKEN))
    try:
        with caplog.at_level(logging.INFO):
            log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
            log.info("another token 123456789:AAHfake-token-shape-ABCDEFGHIJKLMNOP")
            try:
                raise RuntimeError(f"request to /bot{TOKEN}/sendMessage failed")
            except RuntimeError:
                log.exception("network trouble")
        assert TOKEN not in caplog.text
        assert "AAHfake" not in caplog.text
        assert caplog.text.count("<token>") >= 3
        assert "RuntimeError" in caplog.text  # the traceback is kept, redacted
    finally:
        caplog.handler.filters.clear()


async def test_error_handler_hides_internals_and_token(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(update: Update, context: object) -> None:
        raise RuntimeError(f"db password=hunter2 at https://api.telegram.org/bot{TOKEN}/x")

    bot.app.add_handler(CommandHandler("boom", explode), group=0)
    bot.app.handlers[0].insert(0, bot.app.handlers[0].pop())  # before the fallbacks
    with caplog.at_level(logging.ERROR):
        calls = await bot.text(Team.luis, "/boom secret-arg")
    user_text = next(c.text for c in calls if "Algo salió mal" in c.text)
    assert all(TOKEN not in c.text and "hunter2" not in c.text for c in calls)
    assert "RuntimeError" not in user_text
    logged = caplog.text
    assert "unhandled error" in logged and "RuntimeError" in logged
    assert TOKEN not in logged and "<token>" in logged
    assert "secret-arg" not in logged  # only the command name of the update is logged
    assert f"user {Team.luis}" in logged


# --- the authorization crawl: every button that names a record, pressed from outside -------
#
# Every callback class with a record id field is pressed by agents outside the record's scope
# (PEDRO, of no team; LUIS, of the same team but not the record's owner) with the ids of
# MARIA's tercero, document, follow-ups, events, of ANA's subscription, the admin's
# invitation and catalogs, and a confirmation token shown to the admin. Nothing may change in
# the database and the bot may not say anything about the tercero.

SECRET_NIT = "800999111-1"
SECRET_NAME = "Distribuidora Reservada"
SECRET_PHONE = "3115550199"
SECRET_DOC = "RSV-7001"
SECRET_NOTE = "nota reservada de María"
SECRETS = (SECRET_NIT, "800999111", SECRET_NAME, SECRET_PHONE, "555 0199", SECRET_DOC, SECRET_NOTE)
# Tables an update writes whatever it does: PTB persistence, the update ids, Telegram's budget.
MACHINERY = {"bot_state", "processed_updates", "send_budget"}
# Buttons of a closed follow-up (continue it), of a template letter, of events.
CLOSED_FOLLOWUP = {("fu", "cg"), ("fu", "cm"), ("fu", "co"), ("fu", "ct")}
# Fields naming records with an owner, a team or a book (not shared catalog items): a press
# naming one outside the presser's scope is refused outright.
SCOPED = {
    "tercero_id",
    "followup_id",
    "document_id",
    "event_id",
    "user_id",
    "agent_id",
    "source_id",
    "target_id",
    "supervisor_id",
    "subject_id",
    "subscription_id",
    "invitation_id",
    "attempt_id",
}


@dataclass
class Outside:
    """Ids of records outside an agent of another team's scope."""

    tercero: int
    document: int
    followup: int
    version: int
    closed: int
    attachment: int
    visit: int
    subscription: int
    invitation: int | None
    letter: int
    type_id: int
    activity: int
    states: dict[str, int]  # meaning -> a state with it
    maria: int
    token: str
    attempt: int  # Maria's recorded contact


async def _outside_world(bot: BotHarness) -> Outside:

    maria = await resolve_actor(bot.crm, Team.maria)
    admin = await resolve_actor(bot.crm, Team.admin)
    assert maria is not None and admin is not None
    tercero = await make_tercero(
        bot.crm,
        nit=SECRET_NIT,
        name=SECRET_NAME,
        encargado_id=bot.users["MARIA"],
        phones=SECRET_PHONE,
    )
    document = await make_document(bot.crm, tercero, SECRET_DOC)
    cobro = await type_id(bot.crm)
    card = await followups.create_followup(
        bot.crm, maria, tercero_id=tercero, type_id=cobro, document_id=document, note=SECRET_NOTE
    )
    closed = await followups.create_followup(bot.crm, maria, tercero_id=tercero, type_id=cobro)
    now = bot.clock.now()
    async with bot.crm.sessions.begin() as session:
        place = await session.get(Tercero, tercero)
        assert place is not None
        place.latitude, place.longitude, place.location_source = 4.61, -74.08, "erp"
        done = await session.get(FollowUp, closed.id)
        assert done is not None
        done.status, done.closed_at = "closed", now
        attachment = FollowUpEvent(
            followup_id=card.id,
            kind="attachment",
            at=now,
            actor_id=maria.id,
            file_id="reserved-photo",
            file_kind="photo",
            text=SECRET_NOTE,
        )
        visit = FollowUpEvent(
            followup_id=card.id,
            kind="visit",
            at=now,
            actor_id=maria.id,
            latitude=4.62,
            longitude=-74.09,
            visit_check="no_location",
        )
        subscription = Subscription(
            user_id=bot.users["ANA"],
            report="cartera",
            frequency="daily",
            at_time="08:00",
            next_run_at=now + timedelta(days=1),
        )
        session.add_all([attachment, visit, subscription])
        await session.flush()
        states = {
            meaning: state
            for meaning, state in (await session.execute(select(State.meaning, State.id))).all()
        }
        ids = (attachment.id, visit.id, subscription.id)
    code = (await invitations.create_invitation(bot.crm, admin, "agente")).code
    async with bot.crm.sessions() as session:
        invitation = await session.scalar(select(Invitation.id).where(Invitation.code == code))
    letter = await catalogs.add_item(bot.crm, admin, "document", "Carta", template="{nombre}")
    activity = (await catalogs.list_items(bot.crm, admin, "activity"))[0]
    contact = await contacts.register_contact(
        bot.crm, maria, card.id, channel="correo", result="contestó", note=SECRET_NOTE
    )
    return Outside(
        tercero=tercero,
        document=document,
        followup=card.id,
        version=card.version,
        closed=closed.id,
        attachment=ids[0],
        visit=ids[1],
        subscription=ids[2],
        invitation=invitation,
        letter=letter.id,
        type_id=cobro,
        activity=activity.id,
        states=states,
        maria=bot.users["MARIA"],
        token=await _shown_token(bot, admin),
        attempt=contact.attempt_id,
    )


async def _shown_token(bot: BotHarness, actor: Actor) -> str:
    """A confirmation token as drawn for a prompt shown to ``actor``."""
    return await confirmations.issue(bot.crm, actor)


def _crawl_value(cls: type, name: str, w: Outside, attacker: int) -> object:
    """The value of one field of ``cls``: the outside record it names, or a valid word."""
    key = (cls.prefix, cls.action)  # type: ignore[attr-defined]
    ids: dict[str, object] = {
        "tercero_id": w.tercero,
        "document_id": w.letter if key == ("lt", "pick") else w.document,
        "followup_id": w.closed if key in CLOSED_FOLLOWUP else w.followup,
        "event_id": w.visit if key == ("vi", "save") else w.attachment,
        "version": w.version,
        # who would receive the record: the presser itself
        "user_id": attacker if key in {("rs", "to"), ("rs", "ok")} else w.maria,
        "target_id": attacker,
        "source_id": w.maria,
        "agent_id": w.maria,
        "supervisor_id": 0,
        "subject_id": w.followup,
        "subscription_id": w.subscription,
        "invitation_id": w.invitation,
        "activity_id": w.activity,
        "type_id": w.type_id,
        "item_id": w.letter if key == ("cf", "tpl") else w.type_id,
        "state_id": w.states[
            {"cs": "closed", "cn": "closed", "dx": "discarded"}.get(cls.action, "open")  # type: ignore[attr-defined]
        ],
        "token": w.token,
        "attempt_id": w.attempt,
        "page": 0,
        "hours": 4,
        "result": 1,
        "kind": {"ad": "fu", "cf": "document" if key == ("cf", "tpl") else "type"}.get(
            cls.prefix,
            "",  # type: ignore[attr-defined]
        ),
        "role": "admin",
        "meaning": "discarded",
        "effect": "regression",
        "channel": "llamada",
        "period": "a",
        "doc_type": "",
        "since": "",
        "until": "",
    }
    assert name in ids, f"the crawl does not know how to fill {cls.__name__}.{name}"
    return ids[name]


def _names_a_record(cls: type) -> bool:
    return any(f.name.endswith("_id") for f in fields(cls))  # type: ignore[arg-type]


def _names_a_scoped_record(cls: type) -> bool:
    """Names a record some users may not touch (not only a shared catalog item)."""
    return any(f.name in SCOPED for f in fields(cls))  # type: ignore[arg-type]


def _snapshot(bot: BotHarness) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the machinery's, read straight from the SQLite file
    between two updates (thousands of snapshots: the driver's thread hop would dominate)."""
    path = bot.crm.url.removeprefix("sqlite+aiosqlite:///")
    rows: dict[str, list[tuple[object, ...]]] = {}
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        for table in Base.metadata.sorted_tables:
            if table.name not in MACHINERY:
                keys = ", ".join(c.name for c in table.primary_key.columns)
                rows[table.name] = db.execute(
                    f"SELECT * FROM {table.name} ORDER BY {keys}"
                ).fetchall()
    return rows


def _said(calls: list[ApiCall]) -> str:
    """Everything the bot sent: texts, buttons, venues, documents (workbooks read)."""
    parts = []
    for call in calls:
        params: dict[str, Any] = dict(call.params)
        for blob in (params.pop("_file_bytes", None) or {}).values():
            if isinstance(blob, bytes) and blob[:2] == b"PK":
                book = load_workbook(io.BytesIO(blob), read_only=True)
                for sheet in book.worksheets:
                    for row in sheet.iter_rows(values_only=True):
                        parts.extend(str(v) for v in row if v is not None)
            elif isinstance(blob, bytes):
                parts.append(blob.decode("utf-8", "replace"))
        parts.append(json.dumps(params, default=str, ensure_ascii=False))
    return "\n".join(parts)


@dataclass
class Pressed:
    changed: list[str]  # tables
    said: str  # everything the bot sent
    refused: bool  # the press got only an alert, no screen, no question


async def _press_from_outside(bot: BotHarness, user: int, data: str) -> Pressed:
    """Press ``data`` as ``user``; unless refused, answer any question it asked, /cancelar."""
    before = _snapshot(bot)
    calls = await bot.press(user, data)
    refused = all(c.method == "answerCallbackQuery" for c in calls) and bool(calls[-1].text)
    if not refused:
        calls += await bot.text(user, "mañana 9:00") + await bot.text(user, "/cancelar")
    after = _snapshot(bot)
    changed = [name for name in before if before[name] != after[name]]
    return Pressed(changed, _said(calls), refused)


async def test_no_button_acts_on_or_shows_a_record_outside_the_pressers_scope(
    bot: BotHarness,
) -> None:
    w = await _outside_world(bot)
    classes = [c for c in CallbackData.REGISTRY.values() if _names_a_record(c)]
    assert len(classes) > 70  # every class naming a record, so a new one is crawled too
    failures = []
    for user, code in ((Team.pedro, "PEDRO"), (Team.luis, "LUIS")):
        await bot.text(user, "/start")
        attacker = bot.users[code]
        for cls in classes:
            values = [_crawl_value(cls, f.name, w, attacker) for f in fields(cls)]
            data = cls(*values).pack()
            if cls.prefix == "nv":  # /nuevo's steps act inside a /nuevo
                await bot.text(user, "/nuevo")
            pressed = await _press_from_outside(bot, user, data)
            leaked = [s for s in SECRETS if s in pressed.said]
            unrefused = _names_a_scoped_record(cls) and not pressed.refused
            if pressed.changed or leaked or unrefused:
                failures.append(
                    f"{code} {data}: changed {pressed.changed}, said {leaked}"
                    + (", not refused" if unrefused else "")
                )
    assert not failures, "\n".join(failures)

    # The crawl sees changes and leaks: the same presses by the tercero's own agent do both.
    pressed = await _press_from_outside(bot, Team.maria, f"rt:vis:{w.tercero}")
    assert "followups" in pressed.changed and SECRET_NAME in pressed.said
    pressed = await _press_from_outside(bot, Team.maria, f"te:open:{w.tercero}")
    assert not pressed.changed and not pressed.refused
    assert SECRET_NIT in pressed.said and "555 0199" in pressed.said
