"""The ``crm-bot`` command line: one module per command group, wired here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bot.cli import catalog, db, demo, imports, reports, run, users
from bot.cli.common import load_settings, plain, with_crm
from crm.errors import CrmError
from handlers.texts import t

__all__ = ["build_parser", "load_settings", "main", "plain", "with_crm"]

# Each group adds its subcommands to the parser; the order is the order of ``--help``.
GROUPS = (run, db, users, catalog, imports, demo, reports)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        return int(args.func(args, settings))
    except CrmError as exc:
        print(f"crm-bot: {plain(t(settings.language, exc.key, **exc.params))}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
