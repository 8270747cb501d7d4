"""Tercero 360: search, the tercero card, its documents and its follow-ups."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from crm.cobranza.cartera import tercero_totals
from crm.followups import lifecycle as followups
from crm.kernel import input as input_grammar
from crm.kernel import paging
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput
from crm.kernel.permissions import owner_filter
from crm.kernel.scope import ensure_can_see_tercero, tercero_visible
from crm.kernel.text import nit_base, normalize_text
from crm.kernel.views import DocumentBrief, FollowUpView
from storage.models import Document, FollowUp, FollowUpStatus, Tercero, User

RESULTS_PER_PAGE = 8
DOCS_PER_PAGE = 10
FOLLOWUPS_PER_PAGE = 8
MIN_SEARCH = 2
MAX_SEARCH = 100
_NIT_TYPED = re.compile(r"^\d[\d.\s]*(-\s*[0-9kK])?$")
# Weights of the DIAN check digit, applied from the rightmost digit.
_DV_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TerceroHit:
    id: int
    nit: str
    name: str
    city: str | None


@dataclass(frozen=True)
class SearchResult:
    query: str
    items: tuple[TerceroHit, ...]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class TerceroCard:
    """Everything on the tercero card. Follow-up counts are those the actor may see."""

    id: int
    nit: str
    name: str
    address: str | None
    city: str | None
    phones: tuple[str, ...]
    email: str | None
    encargado_id: int | None
    encargado_name: str | None
    open_followups: int
    overdue_followups: int
    cartera_total: Decimal
    cartera_overdue: Decimal
    # Where it is (crm/visits.py): coordinates, source ("erp", "visit", "shared"), by, when.
    latitude: float | None = None
    longitude: float | None = None
    location_source: str | None = None
    location_by: str | None = None
    location_at: datetime | None = None
    # "confirmed" or "proposed" (an agent's, awaiting a supervisor: crm/geo.py LocationStatus).
    location_status: str | None = None


@dataclass(frozen=True)
class DocumentsPage:
    tercero_id: int
    tercero_name: str
    items: tuple[DocumentBrief, ...]
    types: tuple[str, ...]
    doc_type: str | None
    since: date | None
    until: date | None
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class FollowUpsPage:
    tercero_id: int
    tercero_name: str
    items: tuple[FollowUpView, ...]
    total: int
    page: int
    pages: int


def _pages(total: int, size: int, page: int) -> tuple[int, int]:
    return paging.window(total, size, page)


# --- search ----------------------------------------------------------------------------------


def check_digit(nit: str) -> int:
    """The DIAN verification digit (DV) of a numeric NIT."""
    total = sum(int(d) * w for d, w in zip(reversed(nit), _DV_WEIGHTS, strict=False))
    rest = total % 11
    return 11 - rest if rest > 1 else rest


def nit_candidates(text: str) -> tuple[str, ...]:
    """NIT bases the text may mean: as typed without ``-DV``, and, when the last digit is the
    right check digit of the rest, the rest (a NIT typed with its DV but no dash)."""
    text = text.strip()
    if not _NIT_TYPED.match(text):
        return ()
    base = nit_base(text)
    found = [base]
    if "-" not in text and len(base) >= 6 and check_digit(base[:-1]) == int(base[-1]):
        found.append(base[:-1])
    return tuple(found)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(crm: Crm, actor: Actor, text: str, page: int = 0) -> SearchResult:
    """Find terceros of the actor's book by NIT (with or without ``-DV``, leading zeros kept)
    or by any words of the name, ignoring case and accents. An exact NIT wins alone."""
    query = " ".join(text.split())
    words = normalize_text(query).split()
    if len(query) < MIN_SEARCH or len(query) > MAX_SEARCH:
        raise InvalidInput("error.tercero_search_length", min=MIN_SEARCH, max=MAX_SEARCH)
    nits = nit_candidates(query)
    visible = tercero_visible(actor, Tercero.id)
    async with crm.read() as session:
        condition: ColumnElement[bool] | None = None
        if nits:
            exact = Tercero.nit_base.in_(nits)
            if await session.scalar(select(func.count()).where(exact, visible)):
                condition = exact
        if condition is None:
            name_match = and_(
                *(Tercero.search_name.like(f"%{_like_escape(w)}%", escape="\\") for w in words)
            )
            condition = (
                or_(name_match, Tercero.nit_base.like(f"{_like_escape(nits[0])}%", escape="\\"))
                if nits
                else name_match
            )
        total = await session.scalar(select(func.count()).where(condition, visible)) or 0
        page, pages = _pages(total, RESULTS_PER_PAGE, page)
        rows = (
            await session.execute(
                select(Tercero.id, Tercero.nit, Tercero.name, Tercero.city)
                .where(condition, visible)
                .order_by(Tercero.search_name, Tercero.id)
                .offset(page * RESULTS_PER_PAGE)
                .limit(RESULTS_PER_PAGE)
            )
        ).all()
    return SearchResult(query, tuple(TerceroHit(*r) for r in rows), total, page, pages)


# --- the card --------------------------------------------------------------------------------


async def get_card(crm: Crm, actor: Actor, tercero_id: int) -> TerceroCard:
    """The tercero card: contact data, encargado, follow-up counts and cartera totals."""
    now = crm.now()
    async with crm.read() as session:
        tercero = await ensure_can_see_tercero(session, actor, tercero_id)
        encargado = await session.get(User, tercero.encargado_id) if tercero.encargado_id else None
        counts = (
            await session.execute(
                select(
                    func.count(FollowUp.id),
                    func.coalesce(func.sum(case((FollowUp.due_at < now, 1), else_=0)), 0),
                ).where(
                    FollowUp.tercero_id == tercero_id,
                    FollowUp.status == FollowUpStatus.ACTIVE,
                    owner_filter(actor, FollowUp.owner_id),
                )
            )
        ).one()
        totals = await tercero_totals(session, tercero_id, crm.today())
        located_by = (
            await session.get(User, tercero.location_by_id) if tercero.location_by_id else None
        )
    brief = followups.tercero_brief(tercero)
    return TerceroCard(
        id=tercero.id,
        nit=tercero.nit,
        name=tercero.name,
        address=tercero.address,
        city=tercero.city,
        phones=brief.phones,
        email=tercero.email,
        encargado_id=tercero.encargado_id,
        encargado_name=encargado.name if encargado else None,
        open_followups=int(counts[0]),
        overdue_followups=int(counts[1]),
        cartera_total=totals.total,
        cartera_overdue=totals.overdue,
        latitude=tercero.latitude,
        longitude=tercero.longitude,
        location_source=tercero.location_source,
        location_by=located_by.name if located_by else None,
        location_at=tercero.location_at,
        location_status=tercero.location_status,
    )


# --- documents -------------------------------------------------------------------------------


def parse_day(text: str, today: date) -> date:
    """A typed day in the shared grammar (``crm/input.py``)."""
    return input_grammar.parse_day(text, today)


async def documents(
    crm: Crm,
    actor: Actor,
    tercero_id: int,
    *,
    page: int = 0,
    doc_type: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> DocumentsPage:
    """The relation of documents of a tercero, newest first, by type and period (inclusive)."""
    if since and until and since > until:
        raise InvalidInput("error.tercero_period_reversed")
    async with crm.read() as session:
        tercero = await ensure_can_see_tercero(session, actor, tercero_id)
        types = (
            await session.scalars(
                select(Document.doc_type)
                .where(Document.tercero_id == tercero_id)
                .group_by(Document.doc_type)
                .order_by(Document.doc_type)
            )
        ).all()
        where: list[ColumnElement[bool]] = [Document.tercero_id == tercero_id]
        if doc_type:
            where.append(Document.doc_type == doc_type)
        if since:
            where.append(Document.date >= since)
        if until:
            where.append(Document.date <= until)
        total = await session.scalar(select(func.count(Document.id)).where(*where)) or 0
        page, pages = _pages(total, DOCS_PER_PAGE, page)
        rows = (
            await session.scalars(
                select(Document)
                .where(*where)
                .order_by(Document.date.desc(), Document.id.desc())
                .offset(page * DOCS_PER_PAGE)
                .limit(DOCS_PER_PAGE)
            )
        ).all()
    return DocumentsPage(
        tercero.id,
        tercero.name,
        tuple(followups.document_brief(d) for d in rows),
        tuple(types),
        doc_type,
        since,
        until,
        total,
        page,
        pages,
    )


# --- follow-ups of a tercero -----------------------------------------------------------------


async def tercero_followups(
    crm: Crm, actor: Actor, tercero_id: int, page: int = 0
) -> FollowUpsPage:
    """The tercero's follow-ups the actor may see: active ones first by due, then the rest."""
    async with crm.read() as session:
        tercero = await ensure_can_see_tercero(session, actor, tercero_id)
        where = (FollowUp.tercero_id == tercero_id, owner_filter(actor, FollowUp.owner_id))
        total = await session.scalar(select(func.count(FollowUp.id)).where(*where)) or 0
        page, pages = _pages(total, FOLLOWUPS_PER_PAGE, page)
        ids = (
            await session.scalars(
                select(FollowUp.id)
                .where(*where)
                .order_by(
                    case((FollowUp.status == FollowUpStatus.ACTIVE, 0), else_=1),
                    case((FollowUp.status == FollowUpStatus.ACTIVE, FollowUp.due_at), else_=None),
                    FollowUp.created_at.desc(),
                    FollowUp.id.desc(),
                )
                .offset(page * FOLLOWUPS_PER_PAGE)
                .limit(FOLLOWUPS_PER_PAGE)
            )
        ).all()
        views = [await followups.view(session, i) for i in ids]
    return FollowUpsPage(tercero.id, tercero.name, tuple(views), total, page, pages)
