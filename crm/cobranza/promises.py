"""Promises to pay (compromisos de pago) on follow-ups linked to a cartera document.

Recording a promise moves the follow-up's due to 08:00 local time on the promised date (the
start of the working day, so the agent is reminded to check the payment that morning). The
promise is kept ("cumplido") once the balance history (``crm.balances``) shows at least the
promised amount collected on the document since the promise was made, and broken
("incumplido") once the promised date has passed without that. A broken promise leaves the
due on the promised date, so the follow-up shows as overdue in the agenda.
``evaluate_promises`` is called by the documents importer after every import and by a daily
job (run it after the morning import).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.cobranza import balances
from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import AlreadyFinished, InvalidInput, NotFound
from crm.kernel.formatting import day, money
from crm.kernel.permissions import ensure_can_act_for
from storage.models import Document, FollowUp, FollowUpEvent, FollowUpStatus, Promise, Tercero

PROMISE_TIME = time(8, 0)
MAX_DAYS_AHEAD = 180
MAX_AMOUNT = Decimal("9999999999999999.99")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class PromiseView:
    id: int
    followup_id: int
    document_id: int
    document_label: str
    amount: Decimal
    promised_date: date
    balance_at_promise: Decimal
    status: str  # pending, kept, broken, replaced
    created_at: datetime
    resolved_at: datetime | None


@dataclass(frozen=True)
class PromiseContext:
    """What the promise flow shows before asking: the debt and any pending promise."""

    followup_id: int
    tercero_name: str
    document_label: str
    balance: Decimal
    pending: PromiseView | None


@dataclass(frozen=True)
class PromiseOutcome:
    kept: tuple[int, ...]
    broken: tuple[int, ...]


def _view(p: Promise, d: Document) -> PromiseView:
    return PromiseView(
        p.id,
        p.followup_id,
        p.document_id,
        f"{d.doc_type}-{d.number}",
        p.amount,
        p.promised_date,
        p.balance_at_promise,
        p.status,
        p.created_at,
        p.resolved_at,
    )


def parse_amount(text: str) -> Decimal:
    """A peso amount as people type it: ``1.234.567``, ``1234567``, ``$ 1.234.567,50``,
    ``1,234,567.50``; a separator followed by exactly three digits groups thousands."""
    value = re.sub(r"[\s$]|cop", "", text.strip().lower())
    if not re.fullmatch(r"\d[\d.,]*", value):
        raise InvalidInput("error.promise_bad_amount")
    last = max(value.rfind("."), value.rfind(","))
    if last != -1 and len(value) - last - 1 in (1, 2):
        whole, cents = value[:last], value[last + 1 :]
    else:
        whole, cents = value, ""
    if not re.fullmatch(r"\d{1,3}([.,]\d{3})*|\d+", whole):
        raise InvalidInput("error.promise_bad_amount")
    try:
        amount = Decimal(re.sub(r"[.,]", "", whole) + ("." + cents if cents else ""))
    except InvalidOperation as exc:
        raise InvalidInput("error.promise_bad_amount") from exc
    if amount <= 0 or amount > MAX_AMOUNT:
        raise InvalidInput("error.promise_bad_amount")
    return amount.quantize(CENT)


async def _followup_document(
    session: AsyncSession, actor: Actor, followup_id: int, lock: bool
) -> tuple[FollowUp, Document]:
    followup = await session.get(FollowUp, followup_id, with_for_update=lock)
    if followup is None:
        raise NotFound()
    await ensure_can_act_for(session, actor, followup.owner_id)
    if followup.status != FollowUpStatus.ACTIVE:
        raise AlreadyFinished()
    if followup.document_id is None:
        raise InvalidInput("error.promise_needs_document")
    document = await session.get(Document, followup.document_id)
    assert document is not None
    if document.balance <= 0:
        raise InvalidInput("error.promise_nothing_owed")
    return followup, document


async def _pending(session: AsyncSession, followup_id: int) -> Promise | None:
    return await session.scalar(
        select(Promise)
        .where(Promise.followup_id == followup_id, Promise.status == "pending")
        .order_by(Promise.id.desc())
        .limit(1)
    )


async def promise_context(crm: Crm, actor: Actor, followup_id: int) -> PromiseContext:
    """Check a promise can be recorded on this follow-up and show the debt it is about."""
    async with crm.read() as session:
        followup, document = await _followup_document(session, actor, followup_id, lock=False)
        tercero = await session.get(Tercero, followup.tercero_id)
        assert tercero is not None
        pending = await _pending(session, followup_id)
        return PromiseContext(
            followup.id,
            tercero.name,
            f"{document.doc_type}-{document.number}",
            document.balance,
            _view(pending, document) if pending else None,
        )


async def check_amount(crm: Crm, actor: Actor, followup_id: int, text: str) -> Decimal:
    """The typed amount of a promise, checked against the document's current balance."""
    amount = parse_amount(text)
    context = await promise_context(crm, actor, followup_id)
    if amount > context.balance:
        raise InvalidInput("error.promise_over_balance", balance=money(context.balance))
    return amount


def check_promise(amount: Decimal, promised_date: date, balance: Decimal, today: date) -> None:
    """Amount above zero and at most the balance; date from today up to 180 days ahead."""
    if amount <= 0:
        raise InvalidInput("error.promise_bad_amount")
    if amount > balance:
        raise InvalidInput("error.promise_over_balance", balance=money(balance))
    if promised_date < today:
        raise InvalidInput("error.promise_date_past")
    if promised_date > today + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput("error.promise_date_far", days=MAX_DAYS_AHEAD)


async def record_promise(
    crm: Crm, actor: Actor, followup_id: int, amount: Decimal, promised_date: date
) -> PromiseView:
    """Record a promise to pay: the follow-up falls due at 08:00 on the promised date; a
    pending promise on the same follow-up is replaced."""
    now, today = crm.now(), crm.today()
    async with crm.write() as session:
        followup, document = await _followup_document(session, actor, followup_id, lock=True)
        check_promise(amount, promised_date, document.balance, today)
        previous = await _pending(session, followup_id)
        if previous is not None:
            previous.status = "replaced"
            previous.resolved_at = now
        promise = Promise(
            followup_id=followup.id,
            document_id=document.id,
            amount=amount,
            promised_date=promised_date,
            balance_at_promise=document.balance,
            status="pending",
            created_at=now,
        )
        session.add(promise)
        old_due = followup.due_at
        new_due = datetime.combine(promised_date, PROMISE_TIME, crm.tz)
        followup.due_at = new_due
        followup.version += 1
        # A new due re-arms the ping; any claim on the old one is void.
        followup.claimed_by = None
        followup.claimed_until = None
        await session.flush()
        session.add(
            FollowUpEvent(
                followup_id=followup.id,
                kind="promise",
                at=now,
                actor_id=actor.id,
                from_due=old_due,
                to_due=new_due,
                text=f"{money(amount)} → {day(promised_date)}",
            )
        )
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="promise",
            entity_id=promise.id,
            action="create",
            before={"replaced": previous.id} if previous else None,
            after={
                "followup": followup.id,
                "document": document.id,
                "amount": str(amount),
                "date": promised_date.isoformat(),
                "balance": str(document.balance),
            },
        )
        return _view(promise, document)


async def promises_for(crm: Crm, actor: Actor, followup_id: int) -> list[PromiseView]:
    """Every promise recorded on a follow-up, newest first (for the follow-up card)."""
    async with crm.read() as session:
        followup = await session.get(FollowUp, followup_id)
        if followup is None:
            raise NotFound()
        await ensure_can_act_for(session, actor, followup.owner_id)
        rows = (
            await session.execute(
                select(Promise, Document)
                .join(Document, Document.id == Promise.document_id)
                .where(Promise.followup_id == followup_id)
                .order_by(Promise.id.desc())
            )
        ).all()
    return [_view(p, d) for p, d in rows]


async def evaluate_promises(crm: Crm) -> PromiseOutcome:
    """Mark pending promises kept (balance down by at least the amount) or broken (promised
    date passed without it), with a promise_kept / promise_broken event. Idempotent."""
    now, today = crm.now(), crm.today()
    kept: list[int] = []
    broken: list[int] = []
    async with crm.write(wait=True) as session:
        rows = (
            await session.execute(
                select(Promise, Document, FollowUp)
                .join(Document, Document.id == Promise.document_id)
                .join(FollowUp, FollowUp.id == Promise.followup_id)
                .where(Promise.status == "pending")
                .order_by(Promise.id)
                .with_for_update(of=Promise)
            )
        ).all()
        for promise, document, followup in rows:
            # The balance history says what was collected on the document since the promise
            # (a later increase, e.g. a debit note, does not undo a payment).
            paid = await balances.collected_on_document(session, document.id, promise.created_at)
            if paid >= promise.amount:
                status, kind = "kept", "promise_kept"
                kept.append(promise.id)
            elif today > promise.promised_date:
                status, kind = "broken", "promise_broken"
                broken.append(promise.id)
            else:
                continue
            promise.status = status
            promise.resolved_at = now
            record_settlement(
                session,
                followup,
                kind,
                f"{money(paid)} / {money(promise.amount)} → {day(promise.promised_date)}",
                now,
                entity="promise",
                entity_id=promise.id,
                before={"status": "pending"},
                after={"status": status, "paid": str(paid), "balance": str(document.balance)},
            )
    return PromiseOutcome(tuple(kept), tuple(broken))


def record_settlement(
    session: Any,
    followup: Any,
    kind: str,
    text: str,
    now: datetime,
    *,
    entity: str,
    entity_id: int,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """What an import decided about a promise or a reported payment: a system event on the
    follow-up (its version moves) and the audit row, in the import's own transaction."""
    followup.version += 1
    session.add(
        FollowUpEvent(followup_id=followup.id, kind=kind, at=now, actor_id=None, text=text)
    )
    audit.record(
        session,
        at=now,
        actor_id=None,
        entity=entity,
        entity_id=entity_id,
        action=after["status"],
        before=before,
        after=after,
    )
