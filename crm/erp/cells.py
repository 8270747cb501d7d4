"""Reading an ERP file for import: its columns, rows and cells, bad-row reports, the
read-ahead of the next batch, and the :class:`Importer` every file kind builds on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel.context import Crm
from crm.kernel.errors import CrmError
from crm.kernel.parsing import (
    BadValue,
    Sheet,
    cell_text,
    header_key,
    parse_code,
    parse_nit,
    show,
)
from crm.kernel.text import nit_base
from storage import bulk

KINDS = ("usuarios", "terceros", "documentos", "seguimientos")  # the dependency order
BATCH_SIZE = 5000
KEPT_ERRORS = 1000
NEW_TYPE_HOURS = 24


@dataclass(frozen=True)
class Column:
    """A column of an import file: its name (the contract), and whether a value is required."""

    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowError:
    """One bad cell: ``FILE:ROW: column: problem`` once ``key`` is rendered with ``params``."""

    row: int
    column: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportResult:
    kind: str
    file: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    written: bool = False
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    created_types: list[str] = field(default_factory=list)


class ImportFileError(CrmError):
    """The file cannot be imported at all (missing, unreadable, wrong columns)."""

    key = "import.file.unreadable"


ErrorSink = Callable[[RowError], None]
ProgressSink = Callable[[int, int | None], None]


def batches(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(rows, size)):
        yield batch


class ReadAhead:
    """Reads (and pre-parses) the next batch in a worker thread while the current one is
    validated and written. SQLite does its B-tree work in the driver's thread without the
    GIL, so on a machine with two cores reading the file and writing the rows overlap.
    One batch ahead at most: memory stays bounded by the batch size."""

    def __init__(
        self,
        rows: Iterator[tuple[int, list[Any]]],
        size: int,
        pre: Callable[[list[Any]], Any],
    ) -> None:
        self.batches = batches(rows, size)
        self.pre = pre
        self.pending: asyncio.Future[tuple[list[Any], Any] | None] | None = None

    def _read(self) -> tuple[list[Any], Any] | None:
        batch = next(self.batches, None)
        return None if batch is None else (batch, self.pre(batch))

    def _ahead(self) -> None:
        self.pending = asyncio.ensure_future(asyncio.to_thread(self._read))

    async def next(self) -> tuple[list[Any], Any] | None:
        """The next batch and its pre-parsed form; None at the end of the file."""
        if self.pending is None:
            self._ahead()
        assert self.pending is not None
        item = await self.pending
        self.pending = None
        if item is not None:
            self._ahead()
        return item

    async def close(self) -> None:
        # Let a read in flight finish before the file is closed; its outcome is not needed.
        if self.pending is not None:
            with contextlib.suppress(Exception):
                await self.pending
            self.pending = None


def map_header(
    columns: tuple[Column, ...], sheet: Sheet, result: ImportResult, report: ErrorSink
) -> dict[str, int] | None:
    """Column name -> position; reports missing required and repeated columns (row 1)."""
    wanted: dict[str, str] = {}
    for column in columns:
        wanted[column.name] = column.name
        for alias in column.aliases:
            wanted[alias] = column.name
    positions: dict[str, int] = {}
    problems = 0
    for index, title in enumerate(sheet.header):
        name = wanted.get(header_key(title))
        if name is None:
            if cell_text(title):
                result.ignored_columns.append(cell_text(title))
            continue
        if name in positions:
            report(RowError(1, name, "import.problem.duplicate_column"))
            problems += 1
            continue
        positions[name] = index
    for column in columns:
        if column.required and column.name not in positions:
            report(RowError(1, column.name, "import.problem.missing_column"))
            problems += 1
    if problems:
        result.bad_rows += 1
        return None
    return positions


# --- row parsing helpers ---------------------------------------------------------------------


class Row:
    """One data row: typed access to its cells by column name, collecting problems."""

    def __init__(self, number: int, cells: list[Any], positions: dict[str, int]) -> None:
        self.number = number
        self.cells = cells
        self.positions = positions
        self.errors: list[RowError] = []

    def has(self, name: str) -> bool:
        return name in self.positions

    def raw(self, name: str) -> Any:
        index = self.positions.get(name)
        if index is None or index >= len(self.cells):
            return None
        return self.cells[index]

    def fail(self, name: str, key: str, **params: Any) -> None:
        self.errors.append(RowError(self.number, name, key, params))

    def get(
        self,
        name: str,
        parse: Callable[[Any], Any] = cell_text,
        *,
        required: bool = False,
        limit: int | None = None,
    ) -> Any:
        """The parsed cell, None when empty (a problem when ``required``)."""
        value = self.raw(name)
        if cell_text(value) == "":
            if required:
                self.fail(name, "import.problem.required")
            return None
        try:
            parsed = parse(value)
        except BadValue as exc:
            self.fail(name, exc.key, **exc.params)
            return None
        if limit is not None and isinstance(parsed, str) and len(parsed) > limit:
            self.fail(name, "import.problem.too_long", length=len(parsed), limit=limit)
            return None
        return parsed


def plain_text(value: Any) -> str:
    # Collapse inner whitespace runs: ERP exports pad names with spaces. (str.split() splits
    # on exactly the characters regex \s matches, and drops the ends, as cell_text does.)
    return " ".join(cell_text(value).split())


class Importer:
    """Validates and writes one kind of file, batch by batch, in the caller's transaction."""

    # The file's columns (the contract with the ERP: names, required ones, aliases).
    file_columns: ClassVar[tuple[Column, ...]] = ()
    # True when every id this importer writes was read from its table in the import's own
    # transaction, so SQLite's foreign-key checks would only repeat that work.
    checks_references = False

    def __init__(
        self,
        crm: Crm,
        session: AsyncSession,
        positions: dict[str, int],
        report: ErrorSink,
    ) -> None:
        self.crm = crm
        self.session = session
        self.positions = positions
        self.report = report
        self.users: dict[str, bulk.UserRef] = {}
        self.users_by_id: dict[int, bulk.UserRef] = {}
        self.created_types: list[str] = []

    async def prepare(self) -> None:
        self.users = await bulk.users_by_code(self.session)
        self.users_by_id = {u.id: u for u in self.users.values()}

    def user(self, row: Row, name: str) -> bulk.UserRef | None:
        code = row.get(name, parse_code)
        if code is None:
            return None
        user = self.users.get(code)
        if user is None:
            row.fail(name, "import.problem.unknown_user", value=show(code))
        elif not user.active:
            row.fail(name, "import.problem.inactive_user", value=code)
        else:
            return user
        return None

    def pre(self, batch: list[Any]) -> Any:
        """Work on a batch that needs no database (runs in a worker thread, ahead)."""
        return None

    async def validate(
        self, batch: list[Any], result: ImportResult, pre: Any = None
    ) -> list[dict[str, Any]]:
        rows = [Row(number, cells, self.positions) for number, cells in batch]
        records = await self.check(rows)
        good: list[dict[str, Any]] = []
        for row, record in zip(rows, records, strict=True):
            if row.errors or record is None:
                result.bad_rows += 1
                for error in row.errors:
                    self.report(error)
            else:
                good.append(record)
        return good

    async def check(self, rows: list[Row]) -> list[dict[str, Any] | None]:
        raise NotImplementedError

    async def write(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        raise NotImplementedError

    async def finish(self, result: ImportResult) -> None:
        """After the last batch, before commit: checks that need the whole file."""


def by_columns(records: Sequence[dict[str, Any]]) -> dict[tuple[str, ...], list[Any]]:
    groups: dict[tuple[str, ...], list[Any]] = {}
    for record in records:
        groups.setdefault(tuple(record), []).append(record)
    return groups


def last_wins(records: Sequence[Any], key: Callable[[Any], Any]) -> list[Any]:
    """One record per key within a batch, the later row winning (as a second import would)."""
    return list({key(r): r for r in records}.values())


async def terceros_for(
    session: AsyncSession, rows: list[Row]
) -> Callable[[Row], bulk.TerceroRef | None]:
    """A resolver of each row's ``nit`` to a known tercero (exactly, or without its -DV)."""
    nits: dict[int, str] = {}
    for row in rows:
        nit = row.get("nit", parse_nit, required=True, limit=40)
        if nit:
            nits[row.number] = nit
    wanted = set(nits.values()) | {nit_base(n) for n in nits.values()}
    found = await bulk.terceros_by_nit(session, wanted)
    by_base: dict[str, list[bulk.TerceroRef]] = {}
    for ref in found.values():
        by_base.setdefault(ref.nit_base, []).append(ref)

    def resolve(row: Row) -> bulk.TerceroRef | None:
        nit = nits.get(row.number)
        if nit is None:
            return None
        ref = found.get(nit)
        if ref is None:
            # "900123456" finds "900123456-7"; "900123456-7" finds "900123456".
            matches = by_base.get(nit_base(nit), [])
            if len(matches) == 1:
                ref = matches[0]
            elif len(matches) > 1:
                row.fail("nit", "import.problem.ambiguous_nit", value=nit)
                return None
        if ref is None:
            row.fail("nit", "import.problem.unknown_nit", value=nit)
        return ref

    return resolve
