"""An argparse parser that speaks the configured language (titles, usage, help)."""

from __future__ import annotations

import argparse
from typing import Any

from handlers.texts import t


class CliParser(argparse.ArgumentParser):
    """Every (sub)parser of ``crm-bot``; ``lang`` is set once before the parser is built."""

    lang = "es"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = t(self.lang, "cli.help.positionals")
        self._optionals.title = t(self.lang, "cli.help.options")
        self.add_argument("-h", "--help", action="help", help=t(self.lang, "cli.help.help"))

    def error(self, message: str) -> Any:
        self.print_usage()
        self.exit(2, f"{self.prog}: {t(self.lang, 'cli.help.error')}: {message}\n")


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        if prefix is None:
            prefix = f"{t(CliParser.lang, 'cli.help.usage')}: "
        super().add_usage(usage, actions, groups, prefix)


def h(key: str, **params: Any) -> str:
    """A help text in the parser's language (``cli.help.KEY``)."""
    return t(CliParser.lang, f"cli.help.{key}", **params).replace("%", "%%")
