"""The documentos file (the cartera): one row per accounting document, written in
bulk, with the balance history of every saldo it changes."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any

from crm.cobranza import balances
from crm.erp.cells import (
    Column,
    Importer,
    ImportResult,
    Row,
    plain_text,
    terceros_for,
)
from crm.kernel.parsing import (
    BadValue,
    cell_text,
    parse_amount,
    parse_date,
    show,
)
from storage import bulk

DOC_TYPE = re.compile(r"^[A-Z0-9]{1,10}$")


def parse_doc_type(value: Any) -> str:
    text = cell_text(value).upper().replace(" ", "")
    if not DOC_TYPE.match(text):
        raise BadValue("import.problem.bad_doc_type", value=show(value))
    return text


def parse_doc_number(value: Any) -> str:
    return cell_text(value).replace(" ", "")


_FAST_NIT = re.compile(r"[0-9A-Z]+(?:-[0-9A-Z])?")
_FAST_AMOUNT = re.compile(r"[0-9]{1,16}(?:\.[0-9]{1,2})?")
ZERO = Decimal("0.00")
_DOCUMENT_KEY = itemgetter(1, 2)  # (doc_type, number) of a document record
KNOWN_TERCEROS = 200_000


class DocumentImporter(Importer):
    """Documents are the big import (an ERP's book runs to millions of rows), so rows already
    in the ERP's usual shape (a known NIT, ISO dates, plain decimal amounts, text cells) take
    a fast path of a few string checks; any other row goes through the full cell parsers,
    which accept every other form and say what is wrong. Both give the same values.

    A document's only reference is its tercero, whose id always comes from a lookup in
    this transaction (``terceros_by_exact_nit`` or ``terceros_for``), so the import runs
    without SQLite's per-row foreign-key checks."""

    file_columns = (
        Column("nit", True),
        Column("tipo", True),
        Column("numero", True),
        Column("fecha", True),
        Column("vencimiento"),
        Column("valor", True),
        Column("saldo"),
        Column("detalle"),
    )

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

    # Complex by design: the documentos fast path: inlined checks, measured in bench imports.
    def _quick(self, cells: list[Any]) -> tuple[Any, ...] | None:  # noqa: C901
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
                detail = " ".join(cells[self.detail_at].split())  # as plain_text, for text
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
            rows = [Row(batch[i][0], batch[i][1], self.positions) for i in slow]
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

    async def check(self, rows: list[Row]) -> list[Any]:
        tercero_of = await terceros_for(self.session, rows)
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
                values.append(row.get("detalle", plain_text, limit=300))
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
