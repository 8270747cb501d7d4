"""Starting collection follow-ups from the cartera: one document (Iniciar), or every uncovered
debt of a tercero or a book (Iniciar todos, previewed and confirmed once)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    distinct,
    func,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from crm.cobranza.cartera import _agent, active_followup_exists, due_column, is_open
from crm.followups import lifecycle as followups
from crm.kernel import confirmations
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import Duplicate, InvalidInput, NotFound
from crm.kernel.permissions import can_act_for
from crm.kernel.scope import book_of_user, ensure_can_see_tercero, tercero_visible
from crm.kernel.views import FollowUpView
from storage.models import Document, FollowUp, FollowUpStatus, FollowUpType, Tercero, User

COLLECTION_TYPE = "Cobro de cartera"


@dataclass(frozen=True)
class BulkStart:
    """Result of "Iniciar todos": how many follow-ups were created, how many were covered."""

    created: int
    already_covered: int
    followup_ids: tuple[int, ...]
    # True when this was a repeated press of the confirmation (nothing was created again).
    repeated: bool = False


@dataclass(frozen=True)
class BulkStartPreview:
    """What "Iniciar todos" would do, shown before its confirmation."""

    documents: int
    terceros: int
    type_name: str
    hours: int


# --- starting follow-ups ---------------------------------------------------------------------


async def _collection_type(session: AsyncSession) -> FollowUpType:
    ftype = await session.scalar(select(FollowUpType).where(FollowUpType.name == COLLECTION_TYPE))
    if ftype is None or not ftype.active:
        raise InvalidInput("error.cartera_no_type", name=COLLECTION_TYPE)
    return ftype


async def _owner_for(session: AsyncSession, actor: Actor, tercero: Tercero) -> int:
    """The tercero's encargado when active and within the actor's reach; else the actor."""
    if tercero.encargado_id is not None:
        encargado = await session.get(User, tercero.encargado_id)
        if (
            encargado is not None
            and encargado.active
            and await can_act_for(session, actor, encargado.id)
        ):
            return encargado.id
    if actor.id is None:
        raise InvalidInput("error.cartera_no_owner")
    return actor.id


async def start_followup_for_document(crm: Crm, actor: Actor, document_id: int) -> FollowUpView:
    """ "Iniciar seguimiento": a "Cobro de cartera" follow-up linked to one open document, due
    now + the type's hours, owned by the tercero's encargado; refused if one is active."""
    async with crm.write() as session:
        # Lock the document so two presses (or a bulk start) cannot both find it uncovered.
        document = await session.scalar(
            select(Document)
            .where(Document.id == document_id)
            .with_for_update(key_share=True, of=Document)
        )
        if document is None:
            raise NotFound()
        tercero = await ensure_can_see_tercero(session, actor, document.tercero_id)
        if document.balance <= 0:
            raise InvalidInput("error.cartera_document_paid")
        existing = await session.scalar(
            select(FollowUp.id)
            .where(FollowUp.document_id == document.id, FollowUp.status == FollowUpStatus.ACTIVE)
            .limit(1)
        )
        if existing is not None:
            raise Duplicate("error.cartera_already_followed", id=existing)
        ftype = await _collection_type(session)
        return await followups.create_in_session(
            session,
            crm,
            actor,
            tercero_id=tercero.id,
            type_id=ftype.id,
            owner_id=await _owner_for(session, actor, tercero),
            document_id=document.id,
        )


async def _start_scope(
    session: AsyncSession,
    actor: Actor,
    tercero_id: int | None,
    agent_code: str | None,
    agent_id: int | None = None,
) -> ColumnElement[bool]:
    if tercero_id is not None:
        await ensure_can_see_tercero(session, actor, tercero_id)
        return Document.tercero_id == tercero_id
    if agent_code or agent_id is not None:
        agent = await _agent(session, actor, agent_code, agent_id)
        return Document.tercero_id.in_(book_of_user(agent.id))
    return tercero_visible(actor, Document.tercero_id)


async def preview_start_all(
    crm: Crm,
    actor: Actor,
    tercero_id: int | None = None,
    agent_code: str | None = None,
    agent_id: int | None = None,
) -> BulkStartPreview:
    """How many follow-ups "Iniciar todos" would create (and for how many terceros)."""
    async with crm.read() as session:
        scope = await _start_scope(session, actor, tercero_id, agent_code, agent_id)
        ftype = await _collection_type(session)
        row = (
            await session.execute(
                select(func.count(Document.id), func.count(distinct(Document.tercero_id))).where(
                    scope, is_open(), ~active_followup_exists()
                )
            )
        ).one()
    return BulkStartPreview(int(row[0]), int(row[1]), ftype.name, ftype.default_hours)


async def start_all(
    crm: Crm,
    actor: Actor,
    tercero_id: int | None = None,
    agent_code: str | None = None,
    token: str | None = None,
    agent_id: int | None = None,
) -> BulkStart:
    """ "Iniciar todos": a collection follow-up for every uncovered open document of one
    tercero, of one agent's book, or of the actor's whole book, in one transaction; never a
    second active follow-up for a document. Once per confirm ``token``: a repeated press
    returns the first press's result."""
    async with crm.write() as session:
        ticket = await confirmations.claim(session, crm, actor, token, "start_all")
        if ticket.previous is not None:
            p = ticket.previous
            ids = tuple(int(i) for i in p["ids"])
            return BulkStart(len(ids), int(p["covered"]), ids, True)
        scope = await _start_scope(session, actor, tercero_id, agent_code, agent_id)
        ftype = await _collection_type(session)
        # Lock every open document in scope, in id order (no deadlock between two bulk
        # starts). A concurrent start then waits here, and the query below, a new statement,
        # sees the follow-ups the other one committed (SQLite serialises writers anyway).
        locked = (
            await session.scalars(
                select(Document.id)
                .where(scope, is_open())
                .order_by(Document.id)
                .with_for_update(key_share=True, of=Document)
            )
        ).all()
        rows = (
            await session.execute(
                select(Document.id, Document.tercero_id)
                .where(scope, is_open(), ~active_followup_exists())
                .order_by(Document.tercero_id, due_column(), Document.id)
            )
        ).all()
        owners: dict[int, int] = {}
        created: list[int] = []
        for document_id, doc_tercero_id in rows:
            if doc_tercero_id not in owners:
                tercero = await session.get(Tercero, doc_tercero_id)
                assert tercero is not None
                owners[doc_tercero_id] = await _owner_for(session, actor, tercero)
            view = await followups.create_in_session(
                session,
                crm,
                actor,
                tercero_id=doc_tercero_id,
                type_id=ftype.id,
                owner_id=owners[doc_tercero_id],
                document_id=document_id,
            )
            created.append(view.id)
        ticket.keep({"ids": created, "covered": len(locked) - len(created)})
    return BulkStart(len(created), len(locked) - len(created), tuple(created))
