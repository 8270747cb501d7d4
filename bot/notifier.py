"""The notifier: one round claims due follow-ups, pings their owners, sends the morning digest
and escalates long-overdue follow-ups. Correctness comes from the database claims (see
crm/notifications.py), so every process may run rounds at the same time.

Telegram errors: 429 waits ``retry_after`` and retries; errors that prove the request did not
reach Telegram (no connection, the pool full) and 5xx answers retry with backoff and, when
retries run out, release the claim so a later round sends it (never dropped); Forbidden marks
the user unreachable and tells their supervisor once.

A send whose answer never came (read timeout, connection lost after the request went out) may
have been delivered: it is **not** resent. It counts as sent-or-unknown and is recorded like a
sent ping, so each follow-up gets at most one ping per due time however slow Telegram is.

Claims are small: a slice of ``batch`` pings is claimed only when fewer than ``batch`` claimed
pings are still waiting to go out, with a short ``lease`` that a heartbeat renews every third
of it while the round runs. A process killed mid-round leaves only its small slice behind, and
only for one lease; the sends that were in flight when it died may repeat (once).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import secrets
import socket
import warnings
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any

import httpx
from telegram import Bot, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.warnings import PTBDeprecationWarning

from crm.followups import pings as nt
from crm.kernel.context import Crm
from handlers.followups import pings as render
from handlers.texts import pick_language

log = logging.getLogger("crm_bot.notifier")

# More than this many pings for one user in one round come as one grouped message.
GROUP_OVER = 3
MAX_BATCHES_PER_ROUND = 50


def make_instance_id() -> str:
    """Stable for the life of the process and unique across hosts and restarts."""
    return f"{socket.gethostname()[:48]}:{os.getpid()}:{secrets.token_hex(4)}"


class Delivery(enum.Enum):
    SENT = "sent"
    # The request went out but no answer came (read timeout, connection lost): maybe
    # delivered. Never resent; recorded as sent.
    UNKNOWN = "unknown"
    FORBIDDEN = "forbidden"  # the user blocked the bot (or never opened it)
    FAILED = "failed"  # retries exhausted or a request Telegram refuses

    @property
    def delivered(self) -> bool:
        """Sent, or possibly sent: either way it must not go out again."""
        return self in (Delivery.SENT, Delivery.UNKNOWN)


# httpx errors raised before the request left: Telegram cannot have seen it.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
)


def surely_not_delivered(exc: NetworkError) -> bool:
    """Whether Telegram certainly did not act on the request that raised ``exc``: it never
    left (no connection, the pool full) or Telegram answered with an error (5xx). A timeout
    or connection loss after the request went out may hide a delivered message."""
    cause = exc.__cause__
    if isinstance(cause, _NOT_SENT):
        return True
    if isinstance(exc, TimedOut):
        return False
    # PTB raises NetworkError from an httpx error (maybe after sending), or for an HTTP
    # error answer (Bad Gateway, 5xx) with no cause: an answer means it was not delivered.
    return cause is None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard one message is tried before its claim is released for a later round."""

    attempts: int = 5
    backoff: float = 1.0  # seconds before the 2nd attempt; doubles each time
    max_backoff: float = 30.0
    max_retry_after: float = 120.0


@dataclass
class RoundReport:
    """What one round did (for logs and tests)."""

    pinged: list[int] = field(default_factory=list)
    # Among ``pinged``: sent without an answer (maybe delivered), recorded as sent.
    unknown: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    messages: int = 0
    digests: int = 0
    escalated: list[int] = field(default_factory=list)
    unreachable: list[int] = field(default_factory=list)
    skipped: bool = False


def _retry_after_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns when reading ``retry_after`` as an int; accept both shapes quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


class Notifier:
    """Runs notification rounds for one process (``instance_id`` names its claims)."""

    def __init__(
        self,
        crm: Crm,
        bot: Bot,
        *,
        instance_id: str | None = None,
        language: str = "es",
        digest_at: time = time(7, 0),
        escalate_after_hours: int = 48,
        lease: timedelta = nt.DEFAULT_LEASE,
        batch: int = nt.DEFAULT_BATCH,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        concurrency: int = 64,
    ) -> None:
        self.crm = crm
        self.bot = bot
        self.instance_id = instance_id or make_instance_id()
        self.language = language
        self.digest_at = digest_at
        self.escalate_after_hours = escalate_after_hours
        self.lease = lease
        self.batch = batch
        self.retry = retry or RetryPolicy()
        self.sleep = sleep
        self._round_lock = asyncio.Lock()
        # Pings claimed by the round in progress and not yet marked or released.
        self._outstanding = 0
        self._progress = asyncio.Event()
        # Owners pinged at once: with 1 msg/s per chat, a user with 3 pings takes 2 s, so ~30
        # msg/s overall needs dozens of users in flight.
        self.concurrency = concurrency
        self._slots = asyncio.Semaphore(concurrency)

    # --- the round ---------------------------------------------------------------------------

    async def run_round(self) -> RoundReport:
        """Digest (when due), then pings, then escalations. A tick that finds the previous
        round still running in this process does nothing."""
        report = RoundReport()
        if self._round_lock.locked():
            report.skipped = True
            return report
        async with self._round_lock:
            heartbeat = asyncio.create_task(self._renew_leases())
            try:
                await self._digests(report)
                await self._pings(report)
                await self._escalations(report)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
        if report.messages or report.unknown:
            log.debug(
                "round %s: %d pinged (%d without answer), %d released, %d digests, %d escalated",
                self.instance_id,
                len(report.pinged),
                len(report.unknown),
                len(report.released),
                report.digests,
                len(report.escalated),
            )
        return report

    async def stop(self) -> int:
        """Let a round in flight finish, then give back this instance's claims (SIGTERM)."""
        async with self._round_lock:
            released = await nt.release_instance(self.crm, self.instance_id)
        if released:
            log.info("instance %s released %d claims on stop", self.instance_id, released)
        return released

    async def run_digest(self) -> RoundReport:
        """Only the morning digest (the daily job at CRM_DIGEST_TIME)."""
        report = RoundReport()
        await self._digests(report)
        return report

    async def _renew_leases(self) -> None:
        """While the round runs, push this instance's leases a full ``lease`` ahead every
        third of it: a slow round keeps its claims, a dead process loses them one lease
        after its last renewal."""
        every = max(self.lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(every)
            try:
                renewed = await nt.renew_claims(self.crm, self.instance_id, self.lease)
            except Exception:  # a busy database must not end the round; the next try counts
                log.warning("could not renew the claims of %s", self.instance_id, exc_info=True)
            else:
                log.debug("renewed %d claims of %s", renewed, self.instance_id)

    def _lang(self, language: str | None) -> str:
        return pick_language(language, self.language)

    async def _gather(self, jobs: Sequence[Awaitable[Any]]) -> None:
        await asyncio.gather(*(self._limited(j) for j in jobs))

    # --- pings -------------------------------------------------------------------------------

    async def _pings(self, report: RoundReport) -> None:
        tasks: list[asyncio.Task[None]] = []
        self._outstanding = 0
        try:
            for _ in range(MAX_BATCHES_PER_ROUND):
                pings = await nt.claim_due(
                    self.crm, self.instance_id, self.crm.now(), self.lease, self.batch
                )
                if not pings:
                    return
                self._outstanding += len(pings)
                by_owner: dict[int, list[nt.DuePing]] = defaultdict(list)
                for ping in pings:
                    by_owner[ping.owner.telegram_id].append(ping)
                tasks += [
                    asyncio.create_task(self._limited(self._ping_owner(items, report)))
                    for items in by_owner.values()
                ]
                # A short slice means nothing is left; released claims wait for the next round.
                if len(pings) < self.batch or report.released:
                    return
                # Claim the next slice only when fewer than one slice of claimed pings still
                # waits to go out: the sending never idles, and the claims run at most about
                # two slices ahead of it (what a killed process leaves behind).
                while self._outstanding >= self.batch and not report.released:
                    waiting = [t for t in tasks if not t.done()]
                    if not waiting:
                        break
                    self._progress.clear()
                    progress = asyncio.create_task(self._progress.wait())
                    try:
                        await asyncio.wait(
                            [progress, *waiting], return_when=asyncio.FIRST_COMPLETED
                        )
                    finally:
                        progress.cancel()
                if report.released:
                    return
        finally:
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            if failures:
                raise failures[0]

    def _settled(self, count: int) -> None:
        self._outstanding -= count
        self._progress.set()

    async def _limited(self, job: Awaitable[Any]) -> None:
        async with self._slots:
            await job

    async def _ping_owner(self, pings: list[nt.DuePing], report: RoundReport) -> None:
        owner = pings[0].owner
        lang = self._lang(owner.language)
        now = self.crm.now()
        if len(pings) > GROUP_OVER:
            text, markup = render.render_group(pings, lang, self.crm.tz, now)
            outcome = await self.send(owner.telegram_id, text, markup, report)
            if outcome.delivered:
                for ping in pings:
                    await self._mark_sent(ping, report, outcome)
            else:
                await self._release([p.followup_id for p in pings], report)
        else:
            outcome = Delivery.SENT
            for n, ping in enumerate(pings):
                text, markup = render.render_ping(ping, lang, self.crm.tz, now)
                outcome = await self.send(owner.telegram_id, text, markup, report)
                if not outcome.delivered:
                    await self._release([p.followup_id for p in pings[n:]], report)
                    break
                await self._mark_sent(ping, report, outcome)
        if outcome is Delivery.FORBIDDEN and owner.user_id is not None:
            await self._unreachable(owner.user_id, report)

    async def _mark_sent(
        self, ping: nt.DuePing, report: RoundReport, outcome: Delivery = Delivery.SENT
    ) -> None:
        report.pinged.append(ping.followup_id)
        if outcome is Delivery.UNKNOWN:
            report.unknown.append(ping.followup_id)
        try:
            if not await nt.mark_sent(self.crm, self.instance_id, ping.followup_id, ping.due_at):
                # Postponed or closed while we sent (the new due re-arms its own ping), or our
                # lease ran out and another instance took over: nothing to undo, but worth a note.
                log.warning("ping for follow-up %s sent but its claim was gone", ping.followup_id)
        finally:
            self._settled(1)

    async def _release(self, followup_ids: list[int], report: RoundReport) -> None:
        try:
            await nt.release(self.crm, self.instance_id, followup_ids)
            report.released.extend(followup_ids)
        finally:
            self._settled(len(followup_ids))

    # --- digest ------------------------------------------------------------------------------

    async def _digests(self, report: RoundReport) -> None:
        now = self.crm.now()
        if not nt.digest_due(self.crm, self.digest_at, now):
            return
        digests = await nt.claim_digests(self.crm, self.digest_at, now)
        await self._gather([self._digest(d, report) for d in digests])

    async def _digest(self, digest: nt.Digest, report: RoundReport) -> None:
        lang = self._lang(digest.user.language)
        text, markup = render.render_digest(digest, lang, self.crm.tz, self.crm.now())
        outcome = await self.send(digest.user.telegram_id, text, markup, report)
        if outcome.delivered:
            report.digests += 1
            return
        assert digest.user.user_id is not None
        # Undelivered: give it back; a later round (or their return to the bot) sends it.
        await nt.release_digest(self.crm, digest.user.user_id, digest.day)
        if outcome is Delivery.FORBIDDEN:
            await self._unreachable(digest.user.user_id, report)

    # --- escalation --------------------------------------------------------------------------

    async def _escalations(self, report: RoundReport) -> None:
        for _ in range(MAX_BATCHES_PER_ROUND):
            escalations = await nt.claim_escalations(
                self.crm,
                self.instance_id,
                self.escalate_after_hours,
                self.crm.now(),
                self.lease,
                self.batch,
            )
            if not escalations:
                return
            released_before = len(report.released)
            await self._gather([self._escalate(e, report) for e in escalations])
            claimed = sum(len(e.followup_ids) for e in escalations)
            if claimed < self.batch or len(report.released) > released_before:
                return

    async def _escalate(self, escalation: nt.Escalation, report: RoundReport) -> None:
        delivered = not escalation.messages
        if not escalation.messages:
            log.warning("nobody to tell about overdue follow-ups of user %s", escalation.agent_id)
        now = self.crm.now()
        for message in escalation.messages:
            lang = self._lang(message.recipient.language)
            text, markup = render.render_escalation(message, lang, self.crm.tz, now)
            outcome = await self.send(message.recipient.telegram_id, text, markup, report)
            if outcome.delivered:
                delivered = True
            elif outcome is Delivery.FORBIDDEN and message.recipient.user_id is not None:
                await self._unreachable(message.recipient.user_id, report)
        if delivered:
            await nt.mark_escalated(self.crm, self.instance_id, escalation.followup_ids)
            report.escalated.extend(escalation.followup_ids)
        else:
            await self._release(list(escalation.followup_ids), report)

    # --- unreachable -------------------------------------------------------------------------

    async def _unreachable(self, user_id: int, report: RoundReport, depth: int = 0) -> None:
        report.unreachable.append(user_id)
        found = await nt.mark_unreachable(self.crm, user_id)
        if found is None:
            return
        for recipient in found.recipients:
            text, markup = render.render_unreachable(found, self._lang(recipient.language))
            outcome = await self.send(recipient.telegram_id, text, markup, report)
            # A supervisor who blocked the bot too is flagged; their own overseers hear once.
            if outcome is Delivery.FORBIDDEN and recipient.user_id is not None and depth < 2:
                await self._unreachable(recipient.user_id, report, depth + 1)

    # --- sending -----------------------------------------------------------------------------

    async def send(
        self,
        chat_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None,
        report: RoundReport | None = None,
    ) -> Delivery:
        """Send one message with the retry policy; never raises for Telegram errors."""
        policy = self.retry
        for attempt in range(1, policy.attempts + 1):
            try:
                await self.bot.send_message(
                    chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
                )
            except RetryAfter as exc:
                delay = min(_retry_after_seconds(exc), policy.max_retry_after)
                log.info("429 for chat %s, retrying in %.1f s", chat_id, delay)
            except Forbidden:
                log.info("chat %s blocked the bot", chat_id)
                return Delivery.FORBIDDEN
            except BadRequest as exc:
                if "chat not found" in str(exc).lower():
                    return Delivery.FORBIDDEN
                # Retrying the same request cannot help; the claim is released and logged.
                log.error("Telegram refused a message to chat %s: %s", chat_id, exc)
                return Delivery.FAILED
            except NetworkError as exc:  # TimedOut, connection errors, 5xx
                if not surely_not_delivered(exc):
                    # The request went out and no answer came: it may have been delivered.
                    # Resending could double it (and, while Telegram is slow, storm).
                    log.warning(
                        "no answer from Telegram for chat %s (%s): counted as sent, not resent",
                        chat_id,
                        exc,
                    )
                    if report is not None:
                        report.messages += 1
                    return Delivery.UNKNOWN
                delay = min(policy.backoff * 2 ** (attempt - 1), policy.max_backoff)
                log.warning(
                    "network error for chat %s (%s), retrying in %.1f s", chat_id, exc, delay
                )
            except TelegramError as exc:
                log.error("Telegram error for chat %s: %r", chat_id, exc)
                return Delivery.FAILED
            else:
                if report is not None:
                    report.messages += 1
                return Delivery.SENT
            if attempt < policy.attempts:
                await self.sleep(delay)
        log.warning("giving up on chat %s for this round after %d attempts", chat_id, attempt)
        return Delivery.FAILED
