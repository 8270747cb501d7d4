"""The real `crm-bot run --webhook` process under oversize posts: bodies over 1 MB are refused
before they are read (the process's memory stays flat), real updates still go through; and
``processed_updates`` is pruned by a JobQueue job."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.settings import Settings
from bot.webhook import KEEP, MAX_BODY_BYTES, PRUNE_JOB, prune_processed_updates, schedule_pruning
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from storage.updates import claim_update
from tests.conftest import BotHarness
from tests.e2e.test_run import TOKEN, bot_env
from tests.support.fake_bot_api import FakeBotApi

SECRET = Settings(_env_file=None, bot_token=TOKEN).webhook_secret_token()  # type: ignore[call-arg]
HUGE = 90 * 1024 * 1024  # the 90 MB posts of the attack


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def post_huge(port: int, *, chunked: bool, secret: str | None = None) -> tuple[bytes, int]:
    """POST a 90 MB body (declared, or chunked) and keep sending until the server stops
    reading; returns the server's answer and how many body bytes it let us send."""
    head = [
        "POST /telegram HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUGE}",
    ]
    if secret:
        head.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    block = b"[" + b"1," * (512 * 1024 - 1) + b"1"  # 1 MB of JSON-looking bytes
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            while sent < HUGE:
                data = block
                if chunked:
                    data = f"{len(block):x}\r\n".encode() + block + b"\r\n"
                sock.sendall(data)
                sent += len(block)
        answer = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError, OSError):
            while chunk := sock.recv(65536):
                answer += chunk
    return answer, sent


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def test_oversize_webhook_bodies_are_refused_before_being_read(
    tmp_path: Path, api: FakeBotApi
) -> None:
    port = free_port()
    env = bot_env(
        tmp_path,
        CRM_BOT_TOKEN=TOKEN,
        CRM_BOT_API_URL=api.base_url,
        CRM_BOT_FILE_URL=api.file_url,
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "run",
            "--webhook",
            f"http://127.0.0.1:{port}/telegram",
            "--listen",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        api.wait_for(lambda c: c.method == "setWebhook", timeout=60)
        url = f"http://127.0.0.1:{port}/telegram"
        for _ in range(100):  # the server listens right after setWebhook
            with contextlib.suppress(httpx.TransportError):
                httpx.post(url, content=b"{}", timeout=5)
                break
            time.sleep(0.1)
        before = rss_kb(process.pid)
        answers = []
        for attempt in range(4):
            answers.append(post_huge(port, chunked=attempt % 2 == 1))
        answers.append(post_huge(port, chunked=False, secret=SECRET))  # even with the secret
        after = rss_kb(process.pid)
        # A real update still goes through (a stranger gets the refusal).
        update = api.message(777, "hola")
        update["update_id"] = 1
        ok = httpx.post(
            url,
            content=json.dumps(update),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": SECRET,
            },
            timeout=10,
        )
        reply = api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 777)
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
    for answer, sent in answers:
        # Declared too long: 400 before any body byte is read; chunked: cut off near 1 MB.
        assert answer.startswith(b"HTTP/1.1 400") or answer == b"", answer[:100]
        assert sent < HUGE / 4, sent  # the server stopped reading long before 90 MB
    # Memory stays flat: at most a few MB of buffers, not 4 x 90 MB.
    assert after - before < 40 * 1024, (before, after)
    assert ok.status_code == 200 and "777" in reply.text
    assert TOKEN not in output and "Traceback" not in output
    assert MAX_BODY_BYTES == 1 << 20


async def test_processed_updates_are_pruned_after_a_few_days(crm: Crm, clock: FakeClock) -> None:
    start = clock.now()
    for update_id in range(1, 6):
        assert await claim_update(crm.sessions, update_id, start + timedelta(days=update_id))
    clock.advance(days=7)  # day 7: ids claimed on days 1-3 are older than KEEP (3 days)
    assert timedelta(days=3) == KEEP
    assert await prune_processed_updates(crm) == 3
    assert await prune_processed_updates(crm) == 0
    assert not await claim_update(crm.sessions, 4, clock.now())  # still remembered
    assert not await claim_update(crm.sessions, 5, clock.now())
    assert await claim_update(crm.sessions, 1, clock.now())  # forgotten


async def test_pruning_runs_from_the_job_queue(bot: BotHarness) -> None:
    schedule_pruning(bot.app)
    schedule_pruning(bot.app)  # idempotent: one job
    assert bot.app.job_queue is not None
    jobs = bot.app.job_queue.get_jobs_by_name(PRUNE_JOB)
    try:
        assert len([j for j in jobs if not j.removed]) == 1
        assert jobs[-1].job.trigger.interval == timedelta(hours=1)
    finally:
        for job in jobs:
            job.schedule_removal()


async def test_strangers_refusals_are_pruned_with_the_update_ids(
    crm: Crm, clock: FakeClock
) -> None:
    from sqlalchemy import func, select

    from crm.people.strangers import REFUSALS, claim_refusal
    from storage.models import BotState

    async def refusals() -> int:
        async with crm.sessions() as session:
            query = select(func.count()).where(BotState.namespace == REFUSALS)
            return int(await session.scalar(query) or 0)

    every = timedelta(minutes=10)
    for stranger in range(1, 6):  # one stranger refused a day, on days 1 to 5
        clock.advance(days=1)
        assert await claim_refusal(crm, 700 + stranger, f"a:{stranger}", every)
    assert await refusals() == 5
    clock.advance(days=2)  # day 7: the refusals of days 1-3 expired more than KEEP ago
    await prune_processed_updates(crm)
    assert await refusals() == 2
    await prune_processed_updates(crm)
    assert await refusals() == 2
    clock.advance(days=KEEP.days)
    await prune_processed_updates(crm)
    assert await refusals() == 0
    assert await claim_refusal(crm, 701, "b:1", every)  # a pruned stranger is refused again
