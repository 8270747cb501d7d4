"""The ``crm-bot`` command line: one module per command group, wired here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot import redact
from bot.cli import backup, catalog, db, demo, doctor, imports, reports, run, sync, users
from bot.cli.common import load_settings, with_crm
from bot.cli.faults import debugging, fault_line, raw_language
from bot.cli.parser import CliParser, h
from bot.console import plain, version

__all__ = ["build_parser", "load_settings", "main", "plain", "version", "with_crm"]

# Each group adds its subcommands to the parser; the order is the order of ``--help``.
GROUPS = (run, doctor, db, users, catalog, imports, sync, backup, demo, reports)


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """The parser, its help in ``lang`` (default: the configured CRM_LANGUAGE)."""
    CliParser.lang = lang or raw_language()
    parser = CliParser(prog="crm-bot", description=h("description"))
    parser.add_argument(
        "--version", action="version", version=f"crm-bot {version()}", help=h("version")
    )
    parser.add_argument("--debug", action="store_true", help=h("debug"))
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "own_settings", False):  # doctor reports bad settings itself
        return int(args.func(args, None))
    settings = load_settings()
    debug = debugging(args.debug) or settings.log_level == "DEBUG"
    # From here on no log record, escaped exception or traceback shows the token.
    redact.install_for(settings, debug=debug)
    try:
        return int(args.func(args, settings))
    except (KeyboardInterrupt, SystemExit) as exc:
        return redact.fatal(exc)
    except Exception as exc:
        if debug:
            print(redact.traceback_text(exc), file=sys.stderr, end="")
        token = settings.bot_token.get_secret_value() if settings.bot_token else None
        line = fault_line(
            exc,
            settings.language or raw_language(),
            database_url=settings.database_url,
            bot_api_url=settings.bot_api_url,
            token=token,
        )
        print(f"crm-bot: {redact.redact(line)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
