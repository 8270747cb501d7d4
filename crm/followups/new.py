"""What /nuevo needs besides ``create_followup``: finding a tercero in the actor's book,
typed due dates, and the owners the actor may pick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.followups.lifecycle import MAX_HOURS, MIN_HOURS, tercero_brief
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized, NotFound
from crm.kernel.input import parse_due as parse_typed_due
from crm.kernel.permissions import owner_filter
from crm.kernel.text import nit_base, normalize_text
from crm.kernel.views import TerceroBrief
from storage.models import FollowUp, Tercero

SEARCH_LIMIT = 8
MIN_QUERY = 2
# "Mañana 8:00": the usual start of a field day.
MORNING = time(8, 0)


@dataclass(frozen=True)
class TerceroSearch:
    results: tuple[TerceroBrief, ...]
    more: bool  # more matches than shown: ask to type more


def _book(actor: Actor) -> ColumnElement[bool]:
    """Terceros in the actor's book: encargado, or owner of one of its follow-ups (team
    for supervisors; everything for admins)."""
    followed = select(FollowUp.tercero_id).where(owner_filter(actor, FollowUp.owner_id))
    return or_(owner_filter(actor, Tercero.encargado_id), Tercero.id.in_(followed))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def find_terceros_for_new(crm: Crm, actor: Actor, text: str) -> TerceroSearch:
    """Terceros of the actor's book whose name contains ``text`` (ignoring case and
    accents) or whose NIT starts with it (with or without the check digit)."""
    wanted = normalize_text(text)
    if len(wanted) < MIN_QUERY:
        raise InvalidInput("error.new_query_short", min=MIN_QUERY)
    base = nit_base(text)
    matches: list[ColumnElement[bool]] = [
        Tercero.search_name.like(f"%{_escape_like(wanted)}%", escape="\\")
    ]
    if base and base.isascii() and base.isdigit():
        matches.append(Tercero.nit_base.like(f"{base}%"))
        matches.append(Tercero.nit == text.strip())
    query = select(Tercero).where(or_(*matches))
    if not actor.is_admin:
        query = query.where(_book(actor))
    async with crm.read() as session:
        rows = (
            await session.scalars(query.order_by(Tercero.name, Tercero.id).limit(SEARCH_LIMIT + 1))
        ).all()
    return TerceroSearch(
        tuple(tercero_brief(t) for t in rows[:SEARCH_LIMIT]), len(rows) > SEARCH_LIMIT
    )


async def tercero_for_new(crm: Crm, actor: Actor, tercero_id: int) -> TerceroBrief:
    """A tercero chosen for /nuevo (from results or the tercero card), if in the book."""
    async with crm.read() as session:
        return await _tercero_in_book(session, actor, tercero_id)


async def _tercero_in_book(session: AsyncSession, actor: Actor, tercero_id: int) -> TerceroBrief:
    tercero = await session.get(Tercero, tercero_id)
    if tercero is None:
        raise NotFound()
    if not actor.is_admin:
        allowed = await session.scalar(
            select(Tercero.id).where(Tercero.id == tercero_id, _book(actor))
        )
        if allowed is None:
            raise NotAuthorized()
    return tercero_brief(tercero)


def parse_due(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A typed due in the shared grammar (``crm/input.py``): ``en 5 h``, ``mañana 8:00``,
    ``17:30``, a day with or without time; it must be in the future."""
    return parse_typed_due(text, now, tz)


def tomorrow_morning(now: datetime, tz: ZoneInfo) -> datetime:
    """Tomorrow at 8:00 local time."""
    day: date = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, MORNING, tz)


def due_in_hours(now: datetime, hours: int) -> datetime:
    """Now plus a whole number of hours (1–720), as offered by the "en N h" buttons."""
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise InvalidInput("error.bad_hours", min=MIN_HOURS, max=MAX_HOURS)
    return now + timedelta(hours=hours)
