"""Two real `crm-bot run --webhook` processes on one PostgreSQL database, one fake Bot API:
every update, ping and subscribed report goes out once; conversations move between them."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from crm.kernel.clock import FakeClock
from crm.people.users import add_user
from storage.models import FollowUp, ProcessedUpdate, Subscription
from tests.conftest import PG_URL, make_test_crm, seed_team
from tests.support.clock import WorkingNoon, working_noon
from tests.support.data import make_tercero, type_id
from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram import ApiCall

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="CRM_TEST_DATABASE_URL not set"),
]

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7654321098:AAHsecret-token-two-instances-0123456789"
SECRET = Settings(_env_file=None, bot_token=TOKEN).webhook_secret_token()  # type: ignore[call-arg]
ADMIN, ANA, LUIS, PEDRO, SOFIA, STRANGER, INTRUDER = 1, 2, 3, 5, 201, 777, 778
AGENTS = tuple(range(101, 109))  # 8 agents with 3 due follow-ups each
MARIA = 4  # 6 due follow-ups: one grouped message
SETTLE = 2.0  # quiet time after the expected messages, for any duplicate to show up
T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Seeded:
    followups: dict[int, int]  # follow-up id -> owner's Telegram id
    subscription: int


async def seed(now: datetime) -> Seeded:
    """A fresh, migrated database: the team, 30 due follow-ups, one due subscription."""
    assert PG_URL
    crm = await make_test_crm(PG_URL, FakeClock(now))
    try:
        users = await seed_team(crm)
        agent_ids = {}
        for n, telegram_id in enumerate(AGENTS):
            user = await add_user(crm, telegram_id, f"Agente {n}", f"AG{n}", "agent", "ANA")
            agent_ids[telegram_id] = user.id
        await add_user(crm, SOFIA, "Sofía Díaz", "SOFIA", "agent", "ANA")
        tercero = await make_tercero(crm, encargado_id=users["LUIS"])
        kind = await type_id(crm)
        owners = [(tg, agent_ids[tg]) for tg in AGENTS for _ in range(3)]
        owners += [(MARIA, users["MARIA"])] * 6
        async with crm.sessions.begin() as session:
            rows = [
                FollowUp(
                    tercero_id=tercero,
                    type_id=kind,
                    owner_id=owner_id,
                    due_at=now - timedelta(minutes=10, seconds=n),
                    status="active",
                    note=f"Llamar {n}",
                    created_at=now - timedelta(days=1),
                    created_by_id=owner_id,
                )
                for n, (_, owner_id) in enumerate(owners)
            ]
            session.add_all(rows)
            subscription = Subscription(
                user_id=users["ANA"],
                report="agenda",
                frequency="daily",
                at_time="08:00",
                filters="[]",
                next_run_at=now - timedelta(minutes=1),
                active=True,
            )
            session.add(subscription)
            await session.flush()
            followups = {row.id: tg for row, (tg, _) in zip(rows, owners, strict=True)}
            return Seeded(followups, subscription.id)
    finally:
        await crm.sessions.kw["bind"].dispose()


async def database_state() -> dict[str, Any]:
    assert PG_URL
    from storage.db import make_engine, make_session_factory

    engine = make_engine(PG_URL)
    try:
        async with make_session_factory(engine)() as session:
            followups = (await session.scalars(select(FollowUp))).all()
            subscriptions = (await session.scalars(select(Subscription))).all()
            processed = await session.scalar(select(func.count()).select_from(ProcessedUpdate))
            return {
                "followups": followups,
                "subscriptions": subscriptions,
                "processed": processed,
            }
    finally:
        await engine.dispose()


class Instance:
    """One `python -m bot run --webhook …` process; its output goes to a file."""

    def __init__(self, name: str, env: dict[str, str], folder: Path, noon: WorkingNoon) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/tg"
        self.log = folder / f"{name}.log"
        self._out = self.log.open("w")
        self.process = subprocess.Popen(
            noon.command(
                *("run", "--webhook", self.url, "--listen", "127.0.0.1", "--port", str(self.port))
            ),
            env=env,
            cwd=folder,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text()

    def listening(self) -> bool:
        """PTB registers the webhook (setWebhook) just *before* its server listens."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def stop(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        finally:
            self._out.close()
        return code


class Webhooks:
    """Posts updates the way Telegram does, numbering them."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.ids = itertools.count(1)
        self.client = httpx.Client(timeout=10)

    def post(self, instance: Instance, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        return self.client.post(instance.url, json=update, headers=headers).status_code

    def new(self, update: dict[str, Any]) -> dict[str, Any]:
        return {**update, "update_id": next(self.ids)}

    def ask(self, instance: Instance, update: dict[str, Any], chat: int) -> ApiCall:
        """Post one update and return the bot's first call into that chat."""
        seen = len(self.api.calls)
        assert self.post(instance, self.new(update)) == 200
        return wait_until(lambda: _first(self.api.calls[seen:], chat), what=f"reply in {chat}")


def _first(calls: list[ApiCall], chat: int) -> ApiCall | None:
    """The first reply, not counting the removal of an answered prompt's buttons."""
    return next(
        (
            c
            for c in calls
            if c.chat_id == chat
            and c.method != "sendChatAction"
            and not (c.method == "editMessageReplyMarkup" and not c.params.get("reply_markup"))
        ),
        None,
    )


def wait_until(check: Callable[[], T | None], what: str, timeout: float = 30) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def ping_ids(call: ApiCall) -> set[int]:
    """The follow-ups a ping (or grouped ping) is about, from its Abrir buttons."""
    return {
        int(m[1]) for _, data in call.buttons if (m := re.fullmatch(r"fu:open:(\d+)", data or ""))
    }


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def test_two_webhook_instances_share_one_database_without_doubling(
    tmp_path: Path, api: FakeBotApi
) -> None:
    noon = working_noon()  # a working day whatever the date: the Ley 2300 guard lets pings out
    seeded = run(seed(noon.now))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(
        PYTHONPATH=str(ROOT),
        CRM_DATABASE_URL=str(PG_URL),
        CRM_BOT_TOKEN=TOKEN,
        CRM_BOT_API_URL=api.base_url,
        CRM_BOT_FILE_URL=api.file_url,
        CRM_NOTIFY_INTERVAL_SECONDS="1",
        **noon.env,
        CRM_WORKING_HOURS="00:00-23:59",
        CRM_WORKING_DAYS="lun,mar,mie,jue,vie,sab,dom",
        CRM_DIGEST_TIME="00:00",
    )
    a, b = Instance("a", env, tmp_path, noon), Instance("b", env, tmp_path, noon)
    hooks = Webhooks(api)
    try:
        wait_until(lambda: len(api.calls_to("setWebhook")) >= 2, "both webhooks", timeout=60)
        wait_until(lambda: a.listening() and b.listening(), "both servers listening", timeout=30)
        for call in api.calls_to("setWebhook"):
            assert call.params["secret_token"] == SECRET
            assert call.params["url"] in (a.url, b.url)

        # (a) Updates spread over both instances; every other one re-delivered to both at once,
        # as Telegram does when an answer is late.
        chats = (ADMIN, PEDRO, SOFIA, STRANGER)
        expected: Counter[int] = Counter()
        with ThreadPoolExecutor(8) as pool:
            posts = []
            for n, chat in enumerate(chats * 4):
                update = hooks.new(api.message(chat, "/start"))
                # A stranger hears the refusal once in ten minutes, whichever instance answers.
                expected[chat] = 1 if chat == STRANGER else expected[chat] + 1
                targets = (a, b) if n % 2 else ((a, b)[n % 4 // 2],)
                posts += [pool.submit(hooks.post, target, update) for target in targets]
            assert [p.result() for p in posts] == [200] * len(posts)

        # (b) A forged or missing secret is refused before anything runs.
        intruder = hooks.new(api.message(INTRUDER, "/start"))
        assert hooks.post(a, intruder, secret="not-the-secret") == 403
        assert hooks.post(b, intruder, secret=None) == 403

        # (c) /nuevo started on A, carried on step by step alternating A and B.
        ask = hooks.ask(a, api.message(LUIS, "/nuevo"), LUIS)
        assert "nombre o el NIT" in ask.text
        results = hooks.ask(b, api.message(LUIS, "ferreteria"), LUIS)
        types = hooks.ask(a, api.callback(LUIS, results.button("Ferretería")), LUIS)
        assert "Ferretería Núñez &amp; Cía" in types.text
        due = hooks.ask(b, api.callback(LUIS, types.button("Visita T.A.T.")), LUIS)
        assert "¿Cuándo vence?" in due.text
        note = hooks.ask(a, api.callback(LUIS, due.button("en 72 h")), LUIS)
        summary = hooks.ask(b, api.callback(LUIS, note.button("Sin nota")), LUIS)
        assert "Confirma" in summary.text
        card = hooks.ask(a, api.callback(LUIS, summary.button("Crear")), LUIS)
        assert "Seguimiento #" in card.text

        # (d) Pings and the subscribed report, sent by whichever instance claims them.
        def pings() -> list[ApiCall]:
            return [c for c in api.calls_to("sendMessage") if ping_ids(c) and c.chat_id != LUIS]

        def all_pinged() -> bool:
            found = set().union(*(ping_ids(c) for c in pings()))
            return found >= set(seeded.followups)

        wait_until(all_pinged, "every ping")
        wait_until(lambda: api.calls_to("sendDocument"), "the subscribed report")
        wait_until(
            lambda: all(
                len([c for c in api.calls_to("sendMessage") if c.chat_id == chat]) >= count
                for chat, count in expected.items()
            ),
            "a reply to every update",
        )
        time.sleep(SETTLE)
    finally:
        codes = {instance.name: instance.stop() for instance in (a, b)}
        hooks.client.close()
    outputs = {instance.name: instance.output() for instance in (a, b)}

    # (a) one reply per update, however often it was delivered; (b) nothing for the intruder.
    replies = Counter(c.chat_id for c in api.calls_to("sendMessage") if c.chat_id in expected)
    assert replies == expected
    assert not [c for c in api.calls if c.chat_id == INTRUDER]
    # (d) every follow-up in exactly one ping, to its owner; Maria's six as one message.
    counted = Counter(fid for call in pings() for fid in ping_ids(call))
    assert counted == Counter(set(seeded.followups))
    for call in pings():
        assert {seeded.followups[fid] for fid in ping_ids(call)} == {call.chat_id}
    assert len([c for c in pings() if c.chat_id == MARIA]) == 1
    assert len(pings()) == 3 * len(AGENTS) + 1
    [report] = api.calls_to("sendDocument")
    assert report.chat_id == ANA and report.params["document"]["filename"].endswith(".xlsx")
    [summary] = [c for c in api.calls_to("sendMessage") if c.chat_id == ANA]
    assert "Agenda" in summary.text

    # (e) SIGTERM: both exit cleanly, nothing is left claimed, the database agrees.
    assert codes == {"a": 0, "b": 0}, outputs
    for output in outputs.values():
        assert "Traceback" not in output and TOKEN not in output
    state = run(database_state())
    assert all(f.claimed_by is None and f.claimed_until is None for f in state["followups"])
    seeded_rows = [f for f in state["followups"] if f.id in seeded.followups]
    assert all(f.notified_due_at == f.due_at for f in seeded_rows)
    created = [f for f in state["followups"] if f.id not in seeded.followups]
    assert len(created) == 1 and created[0].due_at > noon.now  # the /nuevo one, made once
    [subscription] = state["subscriptions"]
    assert subscription.claimed_by is None and subscription.next_run_at > noon.now
    # Every distinct update (16 + 7 for the conversation) was claimed exactly once.
    assert state["processed"] == len(chats) * 4 + 7
