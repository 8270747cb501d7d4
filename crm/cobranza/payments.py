"""Payments reported with a receipt (🧾 Pago reportado), until the ERP's cartera shows them.

A confirmed report (amount, date, reference, bank, photo) is stored on the follow-up (a
``payment_reported`` event) and on its pending promise, which becomes ``reported`` (pago
reportado) and waits. After each documentos import :func:`settle_reports` looks at every open
report: when the document's balance fell by at least the amount since the report, it is
**pago confirmado** (the promise is kept); when ``CRM_PAYMENT_CONFIRM_DAYS`` passed without
that, it is **pago no visto en cartera** (the promise goes back to pending, where the promise
rules judge it) and the supervisor is told once (:func:`claim_unseen`).

The balance is compared directly: ``balance_at_report`` (the document's saldo when the payment
was reported) against the saldo the import left.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.cobranza.promises import MAX_AMOUNT, _followup_document, _pending, record_settlement
from crm.cobranza.receipts import ReceiptRead
from crm.followups.lifecycle import clean_note
from crm.followups.pings import _overseers
from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput
from crm.kernel.formatting import day, money
from storage.models import Document, FollowUp, FollowUpEvent, PaymentReport, Promise, Tercero, User

MAX_PAST_DAYS = 120


@dataclass(frozen=True)
class PaymentContext:
    """What the receipt flow shows: the debt the payment is about."""

    followup_id: int
    tercero_name: str
    document_label: str
    balance: Decimal
    promise_amount: Decimal | None


@dataclass(frozen=True)
class PaymentView:
    id: int
    followup_id: int
    document_label: str
    amount: Decimal
    paid_on: date | None
    reference: str | None
    bank: str | None
    status: str  # reported | confirmed | unseen
    promise_id: int | None


@dataclass(frozen=True)
class SettleOutcome:
    confirmed: tuple[int, ...]
    unseen: tuple[int, ...]


@dataclass(frozen=True)
class UnseenNotice:
    """Tell a supervisor (or admins) that a reported payment is not in the cartera."""

    report_id: int
    recipients: tuple[tuple[int, str | None], ...]  # (telegram id, language)
    agent_name: str
    tercero_name: str
    document_label: str
    amount: Decimal
    reported_at: datetime
    days: int


def _label(d: Document) -> str:
    return f"{d.doc_type}-{d.number}"


def _view(p: PaymentReport, d: Document) -> PaymentView:
    return PaymentView(
        p.id,
        p.followup_id,
        _label(d),
        p.amount,
        p.paid_on,
        p.reference,
        p.bank,
        p.status,
        p.promise_id,
    )


async def payment_context(crm: Crm, actor: Actor, followup_id: int) -> PaymentContext:
    """Check a payment can be reported on this follow-up (linked to a document that owes)."""
    async with crm.read() as session:
        followup, document = await _followup_document(session, actor, followup_id, lock=False)
        tercero = await session.get(Tercero, followup.tercero_id)
        assert tercero is not None
        promise = await _pending(session, followup_id)
        return PaymentContext(
            followup.id,
            tercero.name,
            _label(document),
            document.balance,
            promise.amount if promise else None,
        )


def check_read(read: ReceiptRead, today: date) -> None:
    """What a report needs before it is stored: an amount; a date not in the future."""
    if read.amount is None or read.amount <= 0 or read.amount > MAX_AMOUNT:
        raise InvalidInput("pg.error.no_amount")
    if read.paid_on is not None and not (
        today - timedelta(days=MAX_PAST_DAYS) <= read.paid_on <= today
    ):
        raise InvalidInput("pg.error.bad_date", days=MAX_PAST_DAYS)


async def report_payment(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    read: ReceiptRead,
    *,
    file_id: str | None,
    ocr_read: ReceiptRead | None = None,
) -> PaymentView:
    """Store a confirmed receipt on the follow-up and its pending promise (pago reportado)."""
    check_read(read, crm.today())
    reference = clean_note(read.reference, 60)
    now = crm.now()
    async with crm.write(wait=True) as session:
        followup, document = await _followup_document(session, actor, followup_id, lock=True)
        promise = await _pending(session, followup_id)
        report = PaymentReport(
            followup_id=followup.id,
            document_id=document.id,
            promise_id=promise.id if promise else None,
            reported_by_id=actor.id,
            reported_at=now,
            amount=read.amount,
            paid_on=read.paid_on,
            reference=reference,
            bank=read.bank,
            file_id=file_id,
            ocr_read=json.dumps(ocr_read.as_dict()) if ocr_read is not None else None,
            balance_at_report=document.balance,
            status="reported",
        )
        session.add(report)
        if promise is not None:
            promise.status = "reported"
        followup.version += 1
        assert read.amount is not None
        parts = [money(read.amount)]
        if read.paid_on:
            parts.append(day(read.paid_on))
        if reference:
            parts.append(f"Ref {reference}")
        if read.bank:
            parts.append(read.bank)
        session.add(
            FollowUpEvent(
                followup_id=followup.id,
                kind="payment_reported",
                at=now,
                actor_id=actor.id,
                text=" · ".join(parts),
                file_id=file_id,
                file_kind="photo" if file_id else None,
            )
        )
        await session.flush()
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="payment",
            entity_id=report.id,
            action="report",
            after={
                "followup": followup.id,
                "document": document.id,
                "promise": report.promise_id,
                **read.as_dict(),
                "ocr": ocr_read.as_dict() if ocr_read is not None else None,
                "balance": str(document.balance),
            },
        )
        return _view(report, document)


async def settle_reports(crm: Crm) -> SettleOutcome:
    """Confirm reported payments the cartera now shows; mark "no visto" those older than
    CRM_PAYMENT_CONFIRM_DAYS that it does not. Idempotent (runs after each documentos import)."""
    now = crm.now()
    wait = timedelta(days=crm.payment_confirm_days)
    confirmed: list[int] = []
    unseen: list[int] = []
    async with crm.write(wait=True) as session:
        rows = (
            await session.execute(
                select(PaymentReport, Document, FollowUp)
                .join(Document, Document.id == PaymentReport.document_id)
                .join(FollowUp, FollowUp.id == PaymentReport.followup_id)
                .where(PaymentReport.status == "reported")
                .order_by(PaymentReport.id)
                .with_for_update(of=PaymentReport)
            )
        ).all()
        for report, document, followup in rows:
            fell = report.balance_at_report - max(document.balance, Decimal("0"))
            # A payment larger than the document's saldo (several invoices at once) is
            # confirmed once this document is paid off.
            if fell > 0 and fell >= min(report.amount, report.balance_at_report):
                status, kind = "confirmed", "payment_confirmed"
                confirmed.append(report.id)
            elif now - report.reported_at >= wait:
                status, kind = "unseen", "payment_unseen"
                unseen.append(report.id)
            else:
                continue
            report.status = status
            report.resolved_at = now
            await _settle_promise(session, report, status, now)
            record_settlement(
                session,
                followup,
                kind,
                f"{money(report.amount)} · {_label(document)}",
                now,
                entity="payment",
                entity_id=report.id,
                before={"status": "reported"},
                after={"status": status, "fell": str(fell), "balance": str(document.balance)},
            )
    return SettleOutcome(tuple(confirmed), tuple(unseen))


async def _settle_promise(
    session: AsyncSession, report: PaymentReport, status: str, now: datetime
) -> None:
    if report.promise_id is None:
        return
    promise = await session.get(Promise, report.promise_id)
    if promise is None or promise.status != "reported":
        return
    if status == "confirmed":
        promise.status = "kept"
        promise.resolved_at = now
    else:
        # Not seen: the promise is judged again by its own rules (kept / broken by date).
        promise.status = "pending"


async def payments_for(crm: Crm, followup_id: int) -> list[PaymentView]:
    """The payment reports of a follow-up, newest first."""
    async with crm.read() as session:
        rows = (
            await session.execute(
                select(PaymentReport, Document)
                .join(Document, Document.id == PaymentReport.document_id)
                .where(PaymentReport.followup_id == followup_id)
                .order_by(PaymentReport.id.desc())
            )
        ).all()
    return [_view(p, d) for p, d in rows]


async def claim_unseen(crm: Crm) -> list[UnseenNotice]:
    """Take every "no visto" report nobody was told about yet (once across instances) with
    the people to tell: the agent's supervisor when reachable, else the admins."""

    now = crm.now()
    async with crm.write(wait=True) as session:
        ids = (
            await session.scalars(
                update(PaymentReport)
                .where(
                    PaymentReport.status == "unseen", PaymentReport.supervisor_told_at.is_(None)
                )
                .values(supervisor_told_at=now)
                .returning(PaymentReport.id),
                execution_options={"synchronize_session": False},
            )
        ).all()
        if not ids:
            return []
        rows = (
            await session.execute(
                select(PaymentReport, Document, Tercero, User)
                .join(Document, Document.id == PaymentReport.document_id)
                .join(FollowUp, FollowUp.id == PaymentReport.followup_id)
                .join(Tercero, Tercero.id == FollowUp.tercero_id)
                .join(User, User.id == FollowUp.owner_id)
                .where(PaymentReport.id.in_(ids))
                .order_by(PaymentReport.id)
            )
        ).all()
        notices = []
        for report, document, tercero, owner in rows:
            recipients = await _overseers(session, crm, owner)
            notices.append(
                UnseenNotice(
                    report.id,
                    tuple((r.telegram_id, r.language) for r in recipients),
                    owner.name,
                    tercero.name,
                    _label(document),
                    report.amount,
                    report.reported_at,
                    crm.payment_confirm_days,
                )
            )
    return notices


async def release_unseen(crm: Crm, report_ids: Sequence[int]) -> None:
    """Give back notices that could not be delivered, so a later round tells them."""
    async with crm.write(wait=True) as session:
        await session.execute(
            update(PaymentReport)
            .where(PaymentReport.id.in_(list(report_ids)))
            .values(supervisor_told_at=None),
            execution_options={"synchronize_session": False},
        )
