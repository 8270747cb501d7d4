"""An argparse parser that speaks the configured language (titles, usage, help)."""

from __future__ import annotations

import argparse
import re
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
        message = translate_argparse(message, self.lang)
        self.exit(2, f"{self.prog}: {t(self.lang, 'cli.help.error')}: {message}\n")


# argparse's own messages (English, from its source) and the catalog key that says each.
_ARGPARSE = (
    (re.compile(r"the following arguments are required: (?P<names>.+)"), "required"),
    (re.compile(r"unrecognized arguments: (?P<names>.+)"), "unrecognized"),
    (
        re.compile(
            r"argument (?P<arg>.+?): invalid choice: '?(?P<value>.*?)'? "
            r"\(choose from (?P<choices>.+)\)"
        ),
        "choice",
    ),
    (
        re.compile(r"argument (?P<arg>.+?): invalid (?P<kind>\w+) value: '?(?P<value>.*?)'?"),
        "invalid",
    ),
    (re.compile(r"argument (?P<arg>.+?): expected one argument"), "one"),
)


def translate_argparse(message: str, lang: str) -> str:
    """argparse's refusal ``message`` in ``lang`` (unchanged when it is not one we know)."""
    for pattern, key in _ARGPARSE:
        if match := pattern.fullmatch(message):
            return t(lang, f"cli.argparse.{key}", **match.groupdict())
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        if prefix is None:
            prefix = f"{t(CliParser.lang, 'cli.help.usage')}: "
        super().add_usage(usage, actions, groups, prefix)


def h(key: str, **params: Any) -> str:
    """A help text in the parser's language (``cli.help.KEY``)."""
    return t(CliParser.lang, f"cli.help.{key}", **params).replace("%", "%%")
