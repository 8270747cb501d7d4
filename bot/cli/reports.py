"""``crm-bot report``: the same Excel workbooks as /informe, as the system admin."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from bot.cli.common import with_crm
from bot.cli.parser import h
from bot.console import plain
from bot.settings import Settings
from crm.kernel.errors import CrmError
from handlers.texts import t

REPORT_USAGE = (
    "crm-bot report agenda|seguimientos|actividades|cartera|desempeno "
    "--desde YYYY-MM-DD --hasta YYYY-MM-DD [--agente CODE] -o FILE.xlsx"
)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    import shutil
    from pathlib import Path

    from crm.kernel import input as grammar
    from crm.kernel.actor import SYSTEM
    from crm.reports import build_report, build_request, default_period, period_range

    output = Path(args.output)

    async def action(crm: Any) -> Any:
        # The typed request is built from the options themselves (no chat words re-created):
        # days in the shared grammar, filters as given.
        today = crm.today()
        filters = [
            ("tipo" if key == "tipo_seguimiento" else key, value)
            for key in ("agente", "tipo_seguimiento", "estado", "nit")
            if (value := getattr(args, key))
        ]
        if args.desde or args.hasta:
            start = grammar.parse_day(args.desde or args.hasta, today)
            end = grammar.parse_day(args.hasta or args.desde, today)
            request = build_request(args.tipo, start, end, filters)
        else:
            word = default_period(args.tipo)
            start, end = period_range(word, today)
            request = build_request(args.tipo, start, end, filters, word)
        # No upload limit here: the file stays on disk; write it next to its destination.
        return await build_report(
            crm, SYSTEM, request, settings.language, directory=output.parent, unlimited=True
        )

    output.parent.mkdir(parents=True, exist_ok=True)
    try:
        report = with_crm(settings, action)
    except CrmError as exc:
        print(f"crm-bot: {plain(t(settings.language, exc.key, **exc.params))}", file=sys.stderr)
        print(f"{t(settings.language, 'cli.help.usage')}: {REPORT_USAGE}", file=sys.stderr)
        return 1
    shutil.move(report.path, output)
    # The file was made private as a temporary file; give it the user's usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    output.chmod(0o666 & ~umask)
    wrote = t(
        settings.language, "cli.report.wrote", file=output, rows=report.rows, name=report.filename
    )
    print(f"crm-bot: {wrote}")
    return 0


def register(sub: Any) -> None:
    report = sub.add_parser("report", help=h("report"))
    report.add_argument("tipo", help=h("report_tipo"))
    report.add_argument("--desde", help=h("report_desde"))
    report.add_argument("--hasta", help=h("report_hasta"))
    report.add_argument("--agente", help=h("report_agente"))
    report.add_argument("--tipo", dest="tipo_seguimiento", help=h("report_tipo_seguimiento"))
    report.add_argument("--estado", help=h("report_estado"))
    report.add_argument("--nit", help=h("report_nit"))
    report.add_argument("-o", "--output", required=True, help=h("report_output"))
    report.set_defaults(func=cmd_report)
