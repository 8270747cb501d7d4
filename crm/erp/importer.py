"""ERP import: terceros, documentos and seguimientos from the ERP's ``.xlsx``/``.csv`` exports.

The file is streamed in batches; each batch is validated (with the database lookups it needs)
and upserted, all inside ONE transaction. All or nothing: the first bad row stops the writing
(the rest is still read, so every bad row gets reported) and the transaction is rolled back;
with ``skip_invalid`` the good rows are written and the bad ones only reported. Memory stays
bounded by the batch size whatever the file size.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.ext.asyncio import AsyncSession

from crm.cobranza import balances
from crm.kernel import audit, geo
from crm.kernel.actor import SYSTEM, Actor
from crm.kernel.context import Crm
from crm.kernel.errors import CrmError
from crm.kernel.parsing import (
    BadFile,
    BadValue,
    Sheet,
    cell_text,
    header_key,
    open_sheet,
    parse_amount,
    parse_code,
    parse_date,
    parse_email,
    parse_local_datetime,
    parse_nit,
    parse_phones,
    show,
)
from crm.kernel.permissions import ensure_role
from crm.kernel.text import nit_base, normalize_text
from storage import bulk, maintenance

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


COLUMNS: dict[str, tuple[Column, ...]] = {
    "terceros": (
        Column("nit", True),
        Column("nombre", True),
        Column("direccion"),
        Column("ciudad"),
        Column("telefonos", aliases=("telefono",)),
        Column("email", aliases=("correo",)),
        Column("encargado"),
        Column("latitud", aliases=("latitude", "lat")),
        Column("longitud", aliases=("longitude", "lon", "lng")),
        Column("tipo_persona", aliases=("tipopersona",)),
        Column("canales_autorizados", aliases=("canalesautorizados", "canales")),
    ),
    "documentos": (
        Column("nit", True),
        Column("tipo", True),
        Column("numero", True),
        Column("fecha", True),
        Column("vencimiento"),
        Column("valor", True),
        Column("saldo"),
        Column("detalle"),
    ),
    "seguimientos": (
        Column("nit", True),
        Column("tipo", True),
        Column("vence", True),
        Column("responsable"),
        Column("nota"),
        Column("documento"),
    ),
}


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


# --- hook points -----------------------------------------------------------------------------


async def after_documents_import(crm: Crm, result: ImportResult) -> None:
    """Runs after a documentos import committed changes: balances moved, so promises to pay
    are re-evaluated (kept when the balance went down by the promised amount)."""
    from crm.cobranza.promises import evaluate_promises  # here: promises builds on follow-ups

    await evaluate_promises(crm)


# --- the use case ----------------------------------------------------------------------------


async def import_file(
    crm: Crm,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    actor: Actor = SYSTEM,
    on_error: ErrorSink | None = None,
    on_progress: ProgressSink | None = None,
    batch_size: int = BATCH_SIZE,
    source: BinaryIO | None = None,
) -> ImportResult:
    """Import one ERP export file (admins only): all or nothing unless ``skip_invalid``.
    ``source``: the file already opened (the drop folder opens it without following links);
    it is read from the start and closed."""
    ensure_role(actor, "admin")
    if kind not in KINDS:
        raise ImportFileError("import.file.bad_kind", kind=kind, kinds=", ".join(KINDS))
    result = ImportResult(kind=kind, file=str(path))

    def report(error: RowError) -> None:
        if len(result.errors) < KEPT_ERRORS:
            result.errors.append(error)
        if on_error is not None:
            on_error(error)

    try:
        # Opening reads the header and counts the lines: never on the event loop.
        sheet = await asyncio.to_thread(open_sheet, path, source)
    except BadFile as exc:
        raise ImportFileError(exc.key, file=str(path), row=exc.row, **exc.params) from None
    try:
        positions = _map_header(kind, sheet, result, report)
        if positions is None:
            return result
        try:
            importer_class = IMPORTERS[kind]
            # While the import holds SQLite's write lock, the bot answers writes at once with
            # "Se está actualizando la cartera" instead of waiting (storage/maintenance.py).
            async with (
                _announced(crm),
                crm.sessions.begin() as session,
                bulk.bulk_write_cache(
                    session, trusted_references=importer_class.checks_references
                ),
            ):
                importer = importer_class(crm, session, positions, report)
                await importer.prepare()
                done = 0
                reader = _ReadAhead(sheet.rows, batch_size, importer.pre)
                try:
                    while (item := await reader.next()) is not None:
                        batch, pre = item
                        records = await importer.validate(batch, result, pre)
                        # Once a bad row is seen (without skip_invalid) the import will be
                        # rolled back: stop writing, keep reading to report every bad row.
                        if records and (skip_invalid or result.bad_rows == 0):
                            await importer.write(records, result)
                        result.rows += len(batch)
                        done += len(batch)
                        if on_progress is not None:
                            on_progress(done, sheet.total_rows)
                finally:
                    await reader.close()
                await importer.finish(result)
                if result.bad_rows and not skip_invalid:
                    raise _Rollback()
                result.created_types = importer.created_types
                audit.record(
                    session,
                    at=crm.now(),
                    actor_id=actor.id,
                    entity="import",
                    entity_id=kind,
                    action="import",
                    after={
                        "file": path.name,
                        "rows": result.rows,
                        "inserted": result.inserted,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "bad_rows": result.bad_rows,
                    },
                )
        except _Rollback:
            result.inserted = result.updated = result.unchanged = 0
            result.created_types = []
            return result
        except BadFile as exc:
            raise ImportFileError(exc.key, file=str(path), row=exc.row, **exc.params) from None
    finally:
        sheet.close()
    result.written = True
    if kind == "documentos":
        # Reported payments are settled by every documentos import, even one that changed
        # nothing: "no visto en cartera" is about days passing (crm/payments.py).
        from crm.cobranza.payments import settle_reports

        await settle_reports(crm)
    if kind == "documentos" and (result.inserted or result.updated):
        await after_documents_import(crm, result)
    return result


@asynccontextmanager
async def _announced(crm: Crm) -> AsyncIterator[None]:
    with maintenance.importing(crm.url):
        yield


class _Rollback(Exception):
    """Raised inside the transaction to undo everything when a bad row was found."""


def _batches(rows: Iterator[tuple[int, list[Any]]], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(rows, size)):
        yield batch


class _ReadAhead:
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
        self.batches = _batches(rows, size)
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


def _map_header(
    kind: str, sheet: Sheet, result: ImportResult, report: ErrorSink
) -> dict[str, int] | None:
    """Column name -> position; reports missing required and repeated columns (row 1)."""
    wanted: dict[str, str] = {}
    for column in COLUMNS[kind]:
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
    for column in COLUMNS[kind]:
        if column.required and column.name not in positions:
            report(RowError(1, column.name, "import.problem.missing_column"))
            problems += 1
    if problems:
        result.bad_rows += 1
        return None
    return positions


# --- row parsing helpers ---------------------------------------------------------------------


class _Row:
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


def _text(value: Any) -> str:
    # Collapse inner whitespace runs: ERP exports pad names with spaces. (str.split() splits
    # on exactly the characters regex \s matches, and drops the ends, as cell_text does.)
    return " ".join(cell_text(value).split())


class _Importer:
    """Validates and writes one kind of file, batch by batch, in the caller's transaction."""

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

    def user(self, row: _Row, name: str) -> bulk.UserRef | None:
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
        rows = [_Row(number, cells, self.positions) for number, cells in batch]
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

    async def check(self, rows: list[_Row]) -> list[dict[str, Any] | None]:
        raise NotImplementedError

    async def write(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        raise NotImplementedError

    async def finish(self, result: ImportResult) -> None:
        """After the last batch, before commit: checks that need the whole file."""


def _by_columns(records: Sequence[dict[str, Any]]) -> dict[tuple[str, ...], list[Any]]:
    groups: dict[tuple[str, ...], list[Any]] = {}
    for record in records:
        groups.setdefault(tuple(record), []).append(record)
    return groups


def _last_wins(records: Sequence[Any], key: Callable[[Any], Any]) -> list[Any]:
    """One record per key within a batch, the later row winning (as a second import would)."""
    return list({key(r): r for r in records}.values())


class _TerceroImporter(_Importer):
    async def check(self, rows: list[_Row]) -> list[dict[str, Any] | None]:
        records: list[dict[str, Any] | None] = []
        for row in rows:
            nit = row.get("nit", parse_nit, required=True, limit=40)
            name = row.get("nombre", _text, required=True, limit=200)
            record: dict[str, Any] = {
                "nit": nit,
                "nit_base": nit_base(nit) if nit else None,
                "name": name,
                "search_name": normalize_text(name)[:200] if name else None,
            }
            if row.has("direccion"):
                record["address"] = row.get("direccion", _text, limit=200)
            if row.has("ciudad"):
                record["city"] = row.get("ciudad", _text, limit=80)
            if row.has("telefonos"):
                record["phones"] = row.get("telefonos", parse_phones, limit=200)
            if row.has("email"):
                record["email"] = row.get("email", parse_email, limit=120)
            if row.has("encargado"):
                user = self.user(row, "encargado")
                record["encargado_id"] = user.id if user else None
            if row.has("latitud") or row.has("longitud"):
                record.update(geo.import_location(row))
            ley2300_fields(row, record)
            records.append(record)
        return records

    async def write(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        unique = _last_wins(records, lambda r: r["nit"])
        existing = await bulk.existing_nits(self.session, [r["nit"] for r in unique])
        changed = 0
        # Rows without coordinates leave the stored ones alone, so they are written apart.
        for columns, group in _by_columns(unique).items():
            changed += await bulk.upsert_terceros(self.session, group, list(columns))
        inserted = sum(1 for r in unique if r["nit"] not in existing)
        result.inserted += inserted
        result.updated += changed - inserted
        result.unchanged += len(records) - changed


def ley2300_fields(row: _Row, record: dict[str, Any]) -> None:
    """Ley 2300 columns of a terceros row (crm/ley2300.py has the rules)."""
    from crm.ley2300.rules import BadChannels, parse_channels, parse_person_type

    def person(value: Any) -> str:
        try:
            return parse_person_type(cell_text(value))
        except ValueError:
            raise BadValue("import.problem.bad_person_type", value=show(value)) from None

    def channels(value: Any) -> str:
        try:
            return parse_channels(cell_text(value))
        except BadChannels as exc:
            raise BadValue("import.problem.bad_channel", value=show(exc.value)) from None

    if row.has("tipo_persona"):
        record["tipo_persona"] = row.get("tipo_persona", person)
    if row.has("canales_autorizados"):
        record["canales_autorizados"] = row.get("canales_autorizados", channels) or None


async def _terceros_for(
    session: AsyncSession, rows: list[_Row]
) -> Callable[[_Row], bulk.TerceroRef | None]:
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

    def resolve(row: _Row) -> bulk.TerceroRef | None:
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


_DOC_TYPE = re.compile(r"^[A-Z0-9]{1,10}$")


def parse_doc_type(value: Any) -> str:
    text = cell_text(value).upper().replace(" ", "")
    if not _DOC_TYPE.match(text):
        raise BadValue("import.problem.bad_doc_type", value=show(value))
    return text


def parse_doc_number(value: Any) -> str:
    return cell_text(value).replace(" ", "")


_FAST_NIT = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z])?")
_FAST_AMOUNT = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,2})?")
ZERO = Decimal("0.00")
_DOCUMENT_KEY = itemgetter(1, 2)  # (doc_type, number) of a document record
KNOWN_TERCEROS = 200_000


class _DocumentImporter(_Importer):
    """Documents are the big import (an ERP's book runs to millions of rows), so rows already
    in the ERP's usual shape (a known NIT, ISO dates, plain decimal amounts, text cells) take
    a fast path of a few string checks; any other row goes through the full cell parsers,
    which accept every other form and say what is wrong. Both give the same values.

    A document's only reference is its tercero, whose id always comes from a lookup in
    this transaction (``terceros_by_exact_nit`` or ``_terceros_for``), so the import runs
    without SQLite's per-row foreign-key checks."""

    checks_references = True

    async def prepare(self) -> None:
        await super().prepare()
        p = self.positions
        optional = (("vencimiento", "due_date"), ("saldo", "balance"), ("detalle", "detail"))
        self.columns = ["tercero_id", "doc_type", "number", "date", "value"]
        self.columns += [column for name, column in optional if name in p]
        self.at = (p["nit"], p["tipo"], p["numero"], p["fecha"], p["valor"])
        self.due_at, self.balance_at, self.detail_at = (p.get(name) for name, _ in optional)
        self.doc_types: dict[str, str] = {}
        # On SQLite the fast path builds the values SQLite is given (ISO text dates, float
        # amounts) straight from the checked cells: no Decimal or date objects per row.
        self.bound = (await self.session.connection()).dialect.name == "sqlite"
        # NIT -> tercero id of the NITs seen so far: a book names each tercero many times.
        self.tercero_ids: dict[str, int] = {}

    def _quick(self, cells: list[Any]) -> tuple[Any, ...] | None:
        """The row's values when every cell is in the usual shape, else None."""
        i_nit, i_type, i_number, i_date, i_value = self.at
        try:
            nit = cells[i_nit]
            if len(nit) > 40 or not _FAST_NIT.fullmatch(nit):
                return None
            raw_type = cells[i_type]
            doc_type = self.doc_types.get(raw_type)
            if doc_type is None:
                # A file has a handful of types: parse each once (the cache stays small).
                if not isinstance(raw_type, str) or len(self.doc_types) >= 100:
                    return None
                doc_type = self.doc_types[raw_type] = parse_doc_type(raw_type)
            number = cells[i_number].strip()
            if not number or len(number) > 40 or " " in number:
                return None
            day = cells[i_date]
            if len(day) != 10 or day[4] != "-" or day[7] != "-" or day[:2] != "20":
                return None  # (years outside 2000-2099 are refused by the full path)
            value = cells[i_value]
            if not _FAST_AMOUNT.fullmatch(value):
                return None
            # fromisoformat checks the date (ASCII digits, a real day); "YYYY-MM-DD" it
            # accepted is already the ISO text SQLite is given. The amount regex admits only
            # plain decimals, whose float is the float of their Decimal.
            when = date.fromisoformat(day)
            if self.bound:
                values = [nit, doc_type, number, day, float(value)]
            else:
                values = [nit, doc_type, number, when, Decimal(value)]
            if self.due_at is not None:
                due = cells[self.due_at].strip()
                if due and (len(due) != 10 or due[4] != "-" or due[7] != "-" or due[:2] != "20"):
                    return None
                due_date = date.fromisoformat(due) if due else None
                values.append(due if self.bound and due else due_date)
            if self.balance_at is not None:
                balance = cells[self.balance_at].strip()
                if balance and not _FAST_AMOUNT.fullmatch(balance):
                    return None
                if self.bound:
                    values.append(float(balance) if balance else 0.0)
                else:
                    values.append(Decimal(balance) if balance else ZERO)
            if self.detail_at is not None:
                detail = " ".join(cells[self.detail_at].split())  # as _text, for text
                if len(detail) > 300:
                    return None
                values.append(detail or None)
        except (IndexError, TypeError, ValueError, AttributeError, BadValue):
            return None  # a short row, a non-text cell, an impossible date: the full path
        return tuple(values)

    def pre(self, batch: list[Any]) -> list[tuple[Any, ...] | None]:
        return [self._quick(cells) for _, cells in batch]

    async def validate(self, batch: list[Any], result: ImportResult, pre: Any = None) -> list[Any]:
        quick = pre if pre is not None else self.pre(batch)
        ids = self.tercero_ids
        unseen = {q[0] for q in quick if q is not None and q[0] not in ids}
        if unseen:
            found = await bulk.terceros_by_exact_nit(self.session, unseen)
            if len(ids) + len(found) > KNOWN_TERCEROS:
                ids.clear()  # keeps memory bounded on books with millions of terceros
            ids.update((nit, ref.id) for nit, ref in found.items())
        known = ids.get
        # The NIT swapped for its tercero id; None where the row needs the full parsers.
        records: list[Any] = [
            None if q is None or (tercero_id := known(q[0])) is None else (tercero_id, *q[1:])
            for q in quick
        ]
        if None in records:
            slow = [index for index, record in enumerate(records) if record is None]
            rows = [_Row(batch[i][0], batch[i][1], self.positions) for i in slow]
            for index, row, record in zip(slow, rows, await self.check(rows), strict=True):
                if row.errors or record is None:
                    result.bad_rows += 1
                    for error in row.errors:
                        self.report(error)
                elif self.bound:
                    records[index] = bulk.sqlite_document_binds([record], self.columns)[0]
                else:
                    records[index] = record
            return [r for r in records if r is not None]
        return records

    async def check(self, rows: list[_Row]) -> list[Any]:
        tercero_of = await _terceros_for(self.session, rows)
        records: list[Any] = []
        for row in rows:
            tercero = tercero_of(row)
            values = [
                tercero.id if tercero else None,
                row.get("tipo", parse_doc_type, required=True),
                row.get("numero", parse_doc_number, required=True, limit=40),
                row.get("fecha", parse_date, required=True),
                row.get("valor", parse_amount, required=True),
            ]
            if row.has("vencimiento"):
                values.append(row.get("vencimiento", parse_date))
            if row.has("saldo"):
                balance = row.get("saldo", parse_amount)
                values.append(balance if balance is not None else parse_amount(0))
            if row.has("detalle"):
                values.append(row.get("detalle", _text, limit=300))
            records.append(tuple(values))
        return records

    async def write(self, records: list[Any], result: ImportResult) -> None:
        # One record per (type, number), the later row winning; keys taken in C, as this
        # runs for every row of the book.
        unique = list(dict(zip(map(_DOCUMENT_KEY, records), records, strict=True)).values())
        at = self.crm.now()
        if self.bound:  # SQLite
            before = await balances.before_upsert(self.session, unique, self.columns)
            inserted, updated = await bulk.upsert_document_rows(
                self.session, unique, self.columns, bound=True
            )
            await balances.record_changes(
                self.session, before, at, inserted=inserted, updated=updated
            )
        else:
            # PostgreSQL: the batch is COPY'd into a temporary table once; the history's
            # lookups and the upsert all read it there, by statements whose text (and plan)
            # is the same for every batch, so the import's time grows with its rows.
            await bulk.stage_document_rows(self.session, unique, self.columns)
            await balances.record_staged_changes(self.session, self.columns, at)
            written = await bulk.upsert_staged_documents(self.session, self.columns)
            await balances.record_new_documents(self.session, written.new_ids, at)
            inserted, updated = written.inserted, written.updated
        result.inserted += inserted
        result.updated += updated
        result.unchanged += len(records) - inserted - updated


def parse_document_ref(value: Any) -> tuple[str, str]:
    """``TIPO-NUMERO`` (e.g. ``FV-1001``) -> ("FV", "1001")."""
    doc_type, sep, number = cell_text(value).replace(" ", "").partition("-")
    if not sep or not number or not _DOC_TYPE.match(doc_type.upper()):
        raise BadValue("import.problem.bad_document_ref", value=show(value))
    return doc_type.upper(), number


class _FollowUpImporter(_Importer):
    async def prepare(self) -> None:
        await super().prepare()
        known = await bulk.followup_types(self.session)
        self.types = {normalize_text(name): id_ for id_, name in known}
        self.type_names: dict[str, str] = {}

    async def check(self, rows: list[_Row]) -> list[dict[str, Any] | None]:
        tercero_of = await _terceros_for(self.session, rows)
        refs = {}
        for row in rows:
            ref = row.get("documento", parse_document_ref)
            if ref is not None:
                refs[row.number] = ref
        documents = await bulk.documents_by_key(self.session, refs.values())
        records: list[dict[str, Any] | None] = []
        for row in rows:
            tercero = tercero_of(row)
            type_name = row.get("tipo", _text, required=True, limit=80)
            due = row.get("vence", lambda v: parse_local_datetime(v, self.crm.tz), required=True)
            note = row.get("nota", cell_text, limit=1000)
            owner = None
            if cell_text(row.raw("responsable")):
                owner = self.user(row, "responsable")
            elif tercero is not None:
                # The tercero's encargado answers for follow-ups nobody was named for.
                encargado = self.users_by_id.get(tercero.encargado_id or 0)
                if encargado is None:
                    row.fail("responsable", "import.problem.no_owner", nit=tercero.nit)
                elif not encargado.active:
                    row.fail("responsable", "import.problem.inactive_user", value=encargado.code)
                else:
                    owner = encargado
            document_id = None
            ref = refs.get(row.number)
            if ref is not None and tercero is not None:
                document = documents.get(ref)
                if document is None or document.tercero_id != tercero.id:
                    row.fail(
                        "documento",
                        "import.problem.unknown_document",
                        value=f"{ref[0]}-{ref[1]}",
                        nit=tercero.nit,
                    )
                else:
                    document_id = document.id
            if tercero is None or owner is None or type_name is None or due is None:
                records.append(None)
                continue
            type_key = normalize_text(type_name)
            self.type_names.setdefault(type_key, type_name)
            label = f"{ref[0]}-{ref[1]}" if ref else ""
            records.append(
                {
                    "import_key": f"{tercero.nit}|{type_key}|{label}",
                    "tercero_id": tercero.id,
                    "type_key": type_key,
                    "owner_id": owner.id,
                    "due_at": due,
                    "note": note or None,
                    "document_id": document_id,
                }
            )
        return records

    async def _type_id(self, type_key: str) -> int:
        type_id = self.types.get(type_key)
        if type_id is None:
            # Unknown follow-up types are created (the ERP has more than our defaults).
            name = self.type_names[type_key]
            type_id = await bulk.add_followup_type(self.session, name, NEW_TYPE_HOURS)
            self.types[type_key] = type_id
            self.created_types.append(name)
        return type_id

    async def write(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        now = self.crm.now()
        unique = _last_wins(records, lambda r: r["import_key"])
        existing = await bulk.followups_by_import_key(
            self.session, [r["import_key"] for r in unique]
        )
        rows = []
        for record in unique:
            rows.append(
                {
                    "import_key": record["import_key"],
                    "tercero_id": record["tercero_id"],
                    "type_id": await self._type_id(record["type_key"]),
                    "owner_id": record["owner_id"],
                    "due_at": record["due_at"],
                    "note": record["note"],
                    "document_id": record["document_id"],
                    "status": "active",
                    "created_at": now,
                    "created_by_id": None,
                    "postpone_count": 0,
                    "version": 1,
                }
            )
        written = await bulk.upsert_imported_followups(self.session, rows)
        by_key = {r["import_key"]: r for r in rows}
        events = []
        for followup_id, key in written:
            row = by_key[key]
            before = existing.get(key)
            events.append(
                _event_row(
                    followup_id,
                    "created" if before is None else "imported",
                    now,
                    from_due=before.due_at if before else None,
                    to_due=row["due_at"],
                    text=row["note"],
                )
            )
        await bulk.insert_events(self.session, events)
        inserted = sum(1 for _, key in written if key not in existing)
        result.inserted += inserted
        result.updated += len(written) - inserted
        result.unchanged += len(records) - len(written)


def _event_row(
    followup_id: int,
    kind: str,
    at: datetime,
    *,
    from_due: datetime | None,
    to_due: datetime,
    text: str | None,
) -> dict[str, Any]:
    return {
        "followup_id": followup_id,
        "kind": kind,
        "at": at,
        "actor_id": None,
        "from_due": from_due,
        "to_due": to_due,
        "text": text,
    }


IMPORTERS: dict[str, type[_Importer]] = {
    "terceros": _TerceroImporter,
    "documentos": _DocumentImporter,
    "seguimientos": _FollowUpImporter,
}


# Users from the ERP: their importer lives in crm/user_import.py, built on the classes above.
from crm.erp import usuarios as user_import  # noqa: E402

COLUMNS["usuarios"] = user_import.columns(Column)
IMPORTERS["usuarios"] = user_import.make_user_importer()
