"""``crm-bot report``: the same Excel workbooks as /informe, as the system admin."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from bot.cli.common import plain, with_crm
from bot.cli.parser import h
from bot.settings import Settings
from crm.errors import CrmError
from handlers.texts import t

REPORT_USAGE = (
    "crm-bot report agenda|seguimientos|actividades|cartera|desempeno "
    "--desde YYYY-MM-DD --hasta YYYY-MM-DD [--agente CODE] -o FILE.xlsx"
)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    import shutil
    from pathlib import Path

    from crm.reports import build_report, parse_request
    from crm.users import SYSTEM

    output = Path(args.output)

    async def action(crm: Any) -> Any:
        words = [args.tipo]
        if args.desde or args.hasta:
            words += [args.desde or args.hasta, args.hasta or args.desde]
        for key in ("agente", "tipo_seguimiento", "estado", "nit"):
            value = getattr(args, key)
            if value:
                name = "tipo" if key == "tipo_seguimiento" else key
                words.append(f"{name}:{value}")
        request = parse_request(words, crm.today())
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
