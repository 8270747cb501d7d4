"""``crm-bot import KIND FILE``: load an ERP export, all or nothing."""

from __future__ import annotations

import argparse
import sys
import zipfile
from typing import Any

from openpyxl.utils.exceptions import InvalidFileException

from bot.cli.common import with_crm
from bot.cli.faults import CliFault
from bot.cli.parser import h
from bot.settings import Settings
from handlers.texts import t


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, lang: str, kind: str) -> None:
        self.lang = lang
        self.kind = kind
        self.enabled = sys.stderr.isatty()
        self.drawn = False

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        line = t(self.lang, "import.progress", kind=self.kind, done=f"{done:,}".replace(",", "."))
        if total:
            share = min(done / total, 1.0)
            filled = int(share * 30)
            line = f"[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {line}"
        print(f"\r{line}", end="", file=sys.stderr, flush=True)
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            print(file=sys.stderr, flush=True)
            self.drawn = False


def _opens(path: Any) -> bool:
    """Whether openpyxl can open ``path`` as a workbook (a KeyError may be ours otherwise)."""
    from openpyxl import load_workbook

    try:
        load_workbook(path, read_only=True).close()
    except Exception:
        return False
    return True


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from crm.erp.cells import ImportResult, RowError
    from crm.erp.importer import import_file

    lang = settings.language
    progress = Progress(lang, args.kind)
    path = Path(args.file)

    def on_error(error: RowError) -> None:
        progress.finish()
        problem = t(lang, error.key, **error.params)
        print(f"{args.file}:{error.row}: {error.column}: {problem}", file=sys.stderr)

    try:
        result: ImportResult = with_crm(
            settings,
            lambda crm: import_file(
                crm,
                args.kind,
                path,
                skip_invalid=args.skip_invalid,
                on_error=on_error,
                on_progress=progress,
            ),
        )
    except (zipfile.BadZipFile, InvalidFileException, KeyError) as exc:
        if path.suffix.lower() != ".xlsx" or (isinstance(exc, KeyError) and _opens(path)):
            raise
        raise CliFault("cli.fault.bad_xlsx", file=str(path)) from exc
    finally:
        progress.finish()
    if result.ignored_columns:
        names = ", ".join(result.ignored_columns)
        print(f"crm-bot: {t(lang, 'import.ignored_columns', names=names)}", file=sys.stderr)
    if not result.written:
        print(
            f"crm-bot: {t(lang, 'import.failed', bad=result.bad_rows, file=args.file)}",
            file=sys.stderr,
        )
        return 1
    summary = t(
        lang,
        "import.summary",
        kind=args.kind,
        rows=result.rows,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
    )
    print(f"crm-bot: {summary}")
    if result.created_types:
        names = ", ".join(result.created_types)
        print(f"crm-bot: {t(lang, 'import.created_types', names=names)}")
    if result.bad_rows:
        print(f"crm-bot: {t(lang, 'import.summary_skipped', bad=result.bad_rows)}")
    return 0


def register(sub: Any) -> None:
    imp = sub.add_parser(
        "import",
        help=h("import"),
    )
    imp.add_argument("kind", choices=["usuarios", "terceros", "documentos", "seguimientos"])
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help=h("import_skip"),
    )
    imp.set_defaults(func=cmd_import)
