"""Building one report: scope, rows streamed in chunks, the workbook written off the loop.

A report is built in two halves: rows are fetched on the event loop in chunks from a
server-side cursor (``crm.read()``, so SQLite's write lock is never held), and
each chunk is converted and written by :class:`crm.reports.workbook.ReportBook` in a worker
thread. Only one chunk is in memory at a time and the event loop is never busy for long.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from crm.kernel.actor import Actor
from crm.kernel.charts import BarChart
from crm.kernel.context import Crm
from crm.kernel.errors import CrmError
from crm.reports import registry
from crm.reports.grammar import check_filters_apply
from crm.reports.registry import BreakdownLine
from crm.reports.request import PERIOD_WORDS, ReportRequest
from crm.reports.rows import Context
from crm.reports.scope import resolve
from crm.reports.workbook import ReportBook, TooManyRows, label, local_naive

MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for bots sending files


class ReportTooLarge(CrmError):
    """The file would exceed what Telegram accepts (or what one sheet holds)."""

    key = "error.report_too_large"


@dataclass(frozen=True)
class ReportFile:
    """A finished workbook on disk; the caller sends it and then calls :meth:`discard`."""

    path: Path
    filename: str
    kind: str
    start: date
    end: date
    period: str
    filters: str
    rows: int
    size: int
    breakdown: tuple[BreakdownLine, ...] = ()
    total: Decimal | None = None
    # The chart picture for the chat (drawn by crm.charts.render when sent).
    picture: BarChart | None = None

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


async def build_report(
    crm: Crm,
    actor: Actor,
    request: ReportRequest,
    lang: str = "es",
    *,
    directory: Path | None = None,
    max_bytes: int | None = None,
    unlimited: bool = False,
) -> ReportFile:
    """Build the workbook for ``request`` within the actor's scope (agents their own book,
    supervisors their team, admins everyone); refuse files Telegram would not accept
    (``unlimited`` for files that stay on disk, e.g. the CLI)."""
    limit = None if unlimited else (max_bytes or MAX_UPLOAD_BYTES)
    check_filters_apply(request.kind, request.filters)
    kind = registry.get(request.kind)
    ctx = Context(crm, actor, request, lang, crm.today())
    ctx.breakdown = kind.breakdown(lang)

    def account(values: Any) -> None:
        kind.account(ctx, values)

    fd, name = tempfile.mkstemp(prefix="informe-", suffix=".xlsx", dir=directory)
    os.close(fd)
    path = Path(name)
    book = ReportBook(path, kind.name, lang, lambda row: kind.convert(ctx, row), account)
    try:
        async with crm.read() as session:
            scope = await resolve(session, actor, request)
            await _pipeline(kind.chunks(session, ctx, scope), book)
        facts = _facts(ctx, book.rows) + kind.facts(ctx)
        await asyncio.to_thread(book.finish, facts, kind.tables(ctx), kind.total_row(ctx))
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise ReportTooLarge()
    except TooManyRows:
        book.abandon()
        path.unlink(missing_ok=True)
        raise ReportTooLarge() from None
    except BaseException:
        book.abandon()
        path.unlink(missing_ok=True)
        raise
    return ReportFile(
        path=path,
        filename=request.filename,
        kind=kind.name,
        start=request.start,
        end=request.end,
        period=request.period,
        filters=request.describe_filters(),
        rows=book.rows,
        size=size,
        breakdown=kind.chat_breakdown(ctx),
        total=kind.total(ctx),
        picture=kind.picture(ctx) if book.rows else None,
    )


async def _pipeline(chunks: AsyncIterator[Sequence[Any]], book: ReportBook) -> None:
    """Fetch a chunk on the loop, then convert and write it in the worker thread, in turn.

    Overlapping the two (fetching the next chunk while the last is written) was measured:
    no faster on two cores, and the loop then fought the writer thread for the GIL, so
    other users' updates waited longer (benchmark 3's stall)."""
    async for chunk in chunks:
        await asyncio.to_thread(book.add, chunk)


def _facts(ctx: Context, rows: int) -> list[tuple[str, Any]]:
    request, lang, actor, crm = ctx.request, ctx.lang, ctx.actor, ctx.crm
    period = f"{request.start:%d/%m/%Y} – {request.end:%d/%m/%Y}"
    if request.period in PERIOD_WORDS:
        period = f"{request.period} ({period})"
    who = f"{actor.name} ({actor.code})" if actor.code else actor.name
    return [
        (label(lang, "summary.report"), label(lang, f"sheet.{request.kind}")),
        (label(lang, "summary.period"), period),
        (
            label(lang, "summary.filters"),
            request.describe_filters() or label(lang, "summary.none"),
        ),
        (label(lang, "summary.requested_by"), who),
        (label(lang, "summary.generated"), local_naive(crm.now(), crm.tz)),
        (label(lang, "summary.rows"), rows),
    ]
