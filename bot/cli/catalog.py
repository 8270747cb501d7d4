"""``crm-bot catalog``: follow-up types, states, activities and support documents.

Every change subcommand is one row of ``CHANGES``: its words, the catalog it works on (or
``None`` when the kind is the first argument), its value argument and the use case it calls.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.cli.common import with_crm
from bot.cli.parser import h
from bot.settings import Settings
from handlers.texts import t

KINDS_HELP = "tipo|estado|actividad|documento"

Apply = Callable[[Any, Any, Any, argparse.Namespace], Awaitable[Any]]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _rename(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm.followups import catalogs

    return catalogs.rename_item(crm, actor, item.kind, item.id, args.new)


def _activate(active: bool) -> Apply:
    def apply(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
        from crm.followups import catalogs

        return catalogs.set_active(crm, actor, item.kind, item.id, active)

    return apply


def _hours(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm.followups import catalogs

    return catalogs.set_hours(crm, actor, item.id, args.hours)


def _meaning(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm.followups import catalogs

    return catalogs.set_meaning(crm, actor, item.id, args.value)


def _effect(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm.followups import catalogs

    return catalogs.set_effect(crm, actor, item.id, args.value)


def _channel(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm.followups import catalogs

    return catalogs.set_channel(crm, actor, item.id, args.value)


def _template(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm.followups import catalogs

    return catalogs.set_document_content(crm, actor, item.id, template=args.template)


@dataclass(frozen=True)
class Change:
    """One ``crm-bot catalog VERB`` that finds an item by name or id and changes it. Help
    texts are ``cli.help.*`` keys, rendered in the configured language."""

    verb: str
    apply: Apply
    kind: str | None = None  # fixed catalog word; None: the kind is the first argument
    value: tuple[str, dict[str, Any]] | None = None  # (argument name, add_argument options)
    value_help: str | None = None
    prepare: Callable[[argparse.Namespace], None] = field(default=lambda args: None)

    @property
    def help_key(self) -> str:
        return f"catalog_{self.verb}"


def _load_template(args: argparse.Namespace) -> None:
    args.template = _read(args.path)


CHANGES: tuple[Change, ...] = (
    Change("rename", _rename, value=("new", {}), value_help="catalog_new"),
    Change("deactivate", _activate(False)),
    Change("activate", _activate(True)),
    Change("hours", _hours, kind="tipo", value=("hours", {"type": int})),
    Change(
        "meaning", _meaning, kind="estado", value=("value", {}), value_help="catalog_significado"
    ),
    Change("effect", _effect, kind="actividad", value=("value", {}), value_help="catalog_efecto"),
    Change("channel", _channel, kind="actividad", value=("value", {}), value_help="catalog_canal"),
    Change(
        "template",
        _template,
        kind="documento",
        value=("path", {}),
        value_help="catalog_path",
        prepare=_load_template,
    ),
)


def entry_line(item: Any, lang: str) -> str:
    if item.kind == "type":
        detail = f"{item.hours} h"
    elif item.kind == "state":
        detail = t(lang, f"config.meaning.{item.meaning}")
    elif item.kind == "activity":
        detail = t(lang, f"config.effect.{item.effect}")
        if item.channel:
            detail += f"·{item.channel}"  # no space: the name is the line's last column
    elif item.file_id:
        detail = t(lang, "cli.catalog.file", name=item.file_name)
    else:
        detail = t(lang, "cli.catalog.template")
    status = t(lang, "cli.users.active" if item.active else "cli.users.inactive")
    return f"{item.id:>4}  {status:<9} {detail:<22} {item.name}"


def cmd_catalog_list(args: argparse.Namespace, settings: Settings) -> int:
    from crm.followups import catalogs
    from crm.kernel.actor import SYSTEM

    kinds = [catalogs.parse_kind(args.kind)] if args.kind else list(catalogs.KINDS)

    async def action(crm: Any) -> dict[str, Any]:
        return {k: await catalogs.list_items(crm, SYSTEM, k) for k in kinds}

    lang = settings.language
    ident, status, detail, name = t(lang, "cli.catalog.header").split("|")
    for kind, items in with_crm(settings, action).items():
        print(f"[{t(lang, f'cli.catalog.kind.{kind}')}]")
        print(f"{ident:>4}  {status:<9} {detail:<22} {name}")
        for item in items:
            print(entry_line(item, lang))
    return 0


def cmd_catalog_add(args: argparse.Namespace, settings: Settings) -> int:
    from crm.followups import catalogs
    from crm.kernel.actor import SYSTEM

    kind = catalogs.parse_kind(args.kind)
    template = _read(args.plantilla_archivo) if args.plantilla_archivo else args.plantilla
    item = with_crm(
        settings,
        lambda crm: catalogs.add_item(
            crm,
            SYSTEM,
            kind,
            args.name,
            hours=args.horas,
            meaning=args.significado,
            effect=args.efecto,
            template=template,
            channel=args.canal,
        ),
    )
    line = entry_line(item, settings.language).strip()
    print(f"crm-bot: {t(settings.language, 'cli.catalog.added', item=line)}")
    return 0


def cmd_catalog_change(args: argparse.Namespace, settings: Settings) -> int:
    """Find the item by name or id, apply the subcommand's change, print the result."""
    from crm.followups import catalogs
    from crm.kernel.actor import SYSTEM

    change: Change = args.change
    change.prepare(args)
    kind = catalogs.parse_kind(change.kind or args.kind)

    async def action(crm: Any) -> Any:
        item = await catalogs.find_item(crm, SYSTEM, kind, args.ref)
        return await change.apply(crm, SYSTEM, item, args)

    item = with_crm(settings, action)
    print(f"crm-bot: {entry_line(item, settings.language).strip()}")
    return 0


def register(sub: Any) -> None:
    kinds = KINDS_HELP
    catalog = sub.add_parser("catalog", help=h("catalog"))
    cat = catalog.add_subparsers(dest="catalog_command", required=True)
    ls = cat.add_parser("list", help=h("catalog_list"))
    ls.add_argument("kind", nargs="?", help=kinds)
    ls.set_defaults(func=cmd_catalog_list)
    add = cat.add_parser("add", help=h("catalog_add"))
    add.add_argument("kind", help=kinds)
    add.add_argument("name")
    for option, kwargs in (
        ("--horas", {"type": int}),
        ("--significado", {}),
        ("--efecto", {}),
        ("--canal", {}),
        ("--plantilla", {}),
        ("--plantilla-archivo", {}),
    ):
        key = "catalog_" + option.removeprefix("--").replace("-", "_")
        add.add_argument(option, help=h(key), **kwargs)
    add.set_defaults(func=cmd_catalog_add)
    for change in CHANGES:
        p = cat.add_parser(change.verb, help=h(change.help_key))
        if change.kind is None:
            p.add_argument("kind", help=kinds)
        p.add_argument("ref", help=h("catalog_ref"))
        if change.value is not None:
            name, options = change.value
            if change.value_help:
                options = {**options, "help": h(change.value_help)}
            p.add_argument(name, **options)
        p.set_defaults(func=cmd_catalog_change, change=change)
