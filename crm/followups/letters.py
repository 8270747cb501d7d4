"""Support-document letters sent from a follow-up card: a template filled with the tercero's
data (or the uploaded file as is), logged as a ``letter_sent`` event and audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from crm.followups.catalogs import PLACEHOLDERS
from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import AlreadyFinished, NotFound
from crm.kernel.formatting import day, money
from crm.kernel.permissions import ensure_can_act_for
from crm.kernel.text import strip_accents
from storage.models import (
    Document,
    FollowUp,
    FollowUpEvent,
    FollowUpStatus,
    SupportDocument,
    Tercero,
)

_PLACEHOLDER = re.compile(r"\{(" + "|".join(PLACEHOLDERS) + r")\}")


@dataclass(frozen=True)
class SupportDocumentChoice:
    id: int
    name: str
    is_file: bool


@dataclass(frozen=True)
class Letter:
    """Either ``content`` (a filled .txt) or ``file_id`` (an uploaded file to resend)."""

    name: str
    filename: str
    content: bytes | None = None
    file_id: str | None = None


async def _followup_for(crm: Crm, actor: Actor, followup_id: int) -> FollowUp:
    async with crm.read() as session:
        followup = await session.get(FollowUp, followup_id)
        if followup is None:
            raise NotFound()
        await ensure_can_act_for(session, actor, followup.owner_id)
        return followup


async def support_documents_for(
    crm: Crm, actor: Actor, followup_id: int
) -> list[SupportDocumentChoice]:
    """The active support documents the actor can send from this follow-up."""
    await _followup_for(crm, actor, followup_id)
    async with crm.read() as session:
        rows = (
            await session.scalars(
                select(SupportDocument)
                .where(SupportDocument.active.is_(True))
                .order_by(SupportDocument.name)
            )
        ).all()
    return [SupportDocumentChoice(r.id, r.name, bool(r.file_id)) for r in rows]


def fill(template: str, values: dict[str, str]) -> str:
    """Replace the known placeholders only; any other brace text stays as typed."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _filename(name: str, nit: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "_", strip_accents(f"{name} {nit}")).strip("_")
    return f"{stem[:80] or 'carta'}.txt"


async def render_letter(
    crm: Crm, actor: Actor, followup_id: int, support_document_id: int
) -> Letter:
    """Fill the support document for the follow-up's tercero and log it as ``letter_sent``."""
    now = crm.now()
    async with crm.write() as session:
        followup = await session.get(FollowUp, followup_id, with_for_update=True)
        if followup is None:
            raise NotFound()
        await ensure_can_act_for(session, actor, followup.owner_id)
        if followup.status != FollowUpStatus.ACTIVE:
            raise AlreadyFinished()
        support = await session.get(SupportDocument, support_document_id)
        if support is None or not support.active:
            raise NotFound("error.letter_unknown_document")
        tercero = await session.get(Tercero, followup.tercero_id)
        assert tercero is not None
        if support.file_id:
            letter = Letter(
                support.name, support.file_name or support.name, file_id=support.file_id
            )
        else:
            documents = (
                await session.scalars(
                    select(Document)
                    .where(Document.tercero_id == tercero.id, Document.balance > 0)
                    .order_by(Document.due_date, Document.date, Document.id)
                )
            ).all()
            total = sum((d.balance for d in documents), Decimal("0"))
            lines = [
                f"- {d.doc_type}-{d.number}  del {day(d.date)}"
                + (f"  vence {day(d.due_date)}" if d.due_date else "")
                + f"  saldo {money(d.balance)}"
                for d in documents
            ]
            values = {
                "nombre": tercero.name,
                "nit": tercero.nit,
                "saldo": money(total),
                "documentos": "\n".join(lines) if lines else "(sin documentos pendientes)",
                "fecha": day(crm.today()),
            }
            text = fill(support.template or "", values).replace("\r\n", "\n").strip() + "\n"
            letter = Letter(
                support.name,
                _filename(support.name, tercero.nit),
                content=text.replace("\n", "\r\n").encode("utf-8"),
            )
        session.add(
            FollowUpEvent(
                followup_id=followup.id,
                kind="letter_sent",
                at=now,
                actor_id=actor.id,
                text=support.name[:1000],
                file_id=support.file_id,
                file_kind="document" if support.file_id else None,
            )
        )
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="followup",
            entity_id=followup.id,
            action="letter_sent",
            after={"document": support.name, "support_document_id": support.id},
        )
        return letter
