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
from bot.settings import Settings

KINDS_HELP = "tipo|estado|actividad|documento"

Apply = Callable[[Any, Any, Any, argparse.Namespace], Awaitable[Any]]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _rename(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm import catalogs

    return catalogs.rename_item(crm, actor, item.kind, item.id, args.new)


def _activate(active: bool) -> Apply:
    def apply(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
        from crm import catalogs

        return catalogs.set_active(crm, actor, item.kind, item.id, active)

    return apply


def _hours(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm import catalogs

    return catalogs.set_hours(crm, actor, item.id, args.hours)


def _meaning(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm import catalogs

    return catalogs.set_meaning(crm, actor, item.id, args.value)


def _effect(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm import catalogs

    return catalogs.set_effect(crm, actor, item.id, args.value)


def _template(crm: Any, actor: Any, item: Any, args: argparse.Namespace) -> Awaitable[Any]:
    from crm import catalogs

    return catalogs.set_document_content(crm, actor, item.id, template=args.template)


@dataclass(frozen=True)
class Change:
    """One ``crm-bot catalog VERB`` that finds an item by name or id and changes it."""

    verb: str
    help: str
    apply: Apply
    kind: str | None = None  # fixed catalog word; None: the kind is the first argument
    ref_help: str = "name or id"
    value: tuple[str, dict[str, Any]] | None = None  # (argument name, add_argument options)
    prepare: Callable[[argparse.Namespace], None] = field(default=lambda args: None)


def _load_template(args: argparse.Namespace) -> None:
    args.template = _read(args.path)


CHANGES: tuple[Change, ...] = (
    Change(
        "rename",
        "rename an item (by name or id)",
        _rename,
        ref_help="current name or id",
        value=("new", {"help": "new name"}),
    ),
    Change("deactivate", "hide an item (history keeps it)", _activate(False)),
    Change("activate", "show", _activate(True)),
    Change(
        "hours",
        "change a follow-up type's default hours",
        _hours,
        kind="tipo",
        ref_help="type name or id",
        value=("hours", {"type": int}),
    ),
    Change(
        "meaning",
        "change a state's meaning",
        _meaning,
        kind="estado",
        ref_help="state name or id",
        value=("value", {"help": "open|closed|discarded"}),
    ),
    Change(
        "effect",
        "change an activity's effect",
        _effect,
        kind="actividad",
        ref_help="activity name or id",
        value=("value", {"help": "progress|regression|neutral"}),
    ),
    Change(
        "template",
        "replace a support document's template",
        _template,
        kind="documento",
        ref_help="document name or id",
        value=("path", {"help": "UTF-8 text file with the template"}),
        prepare=_load_template,
    ),
)


def entry_line(item: Any) -> str:
    if item.kind == "type":
        detail = f"{item.hours} h"
    elif item.kind == "state":
        detail = item.meaning
    elif item.kind == "activity":
        detail = item.effect
    else:
        detail = f"file {item.file_name}" if item.file_id else "template"
    status = "active" if item.active else "inactive"
    return f"{item.id:>4}  {status:<9} {detail:<22} {item.name}"


def cmd_catalog_list(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs
    from crm.users import SYSTEM

    kinds = [catalogs.parse_kind(args.kind)] if args.kind else list(catalogs.KINDS)

    async def action(crm: Any) -> dict[str, Any]:
        return {k: await catalogs.list_items(crm, SYSTEM, k) for k in kinds}

    for kind, items in with_crm(settings, action).items():
        print(f"[{kind}]")
        print(f"{'ID':>4}  {'STATUS':<9} {'DETAIL':<22} NAME")
        for item in items:
            print(entry_line(item))
    return 0


def cmd_catalog_add(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs
    from crm.users import SYSTEM

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
        ),
    )
    print(f"crm-bot: added {entry_line(item).strip()}")
    return 0


def cmd_catalog_change(args: argparse.Namespace, settings: Settings) -> int:
    """Find the item by name or id, apply the subcommand's change, print the result."""
    from crm import catalogs
    from crm.users import SYSTEM

    change: Change = args.change
    change.prepare(args)
    kind = catalogs.parse_kind(change.kind or args.kind)

    async def action(crm: Any) -> Any:
        item = await catalogs.find_item(crm, SYSTEM, kind, args.ref)
        return await change.apply(crm, SYSTEM, item, args)

    item = with_crm(settings, action)
    print(f"crm-bot: {entry_line(item).strip()}")
    return 0


def register(sub: Any) -> None:
    catalog = sub.add_parser("catalog", help="manage catalogs (types, states, activities, docs)")
    cat = catalog.add_subparsers(dest="catalog_command", required=True)
    ls = cat.add_parser("list", help="list one catalog or all")
    ls.add_argument("kind", nargs="?", help=KINDS_HELP)
    ls.set_defaults(func=cmd_catalog_list)
    add = cat.add_parser("add", help="add an item")
    add.add_argument("kind", help=KINDS_HELP)
    add.add_argument("name")
    add.add_argument("--horas", type=int, help="tipo: default hours until the next follow-up")
    add.add_argument("--significado", help="estado: open|closed|discarded (abierto|cierre|...)")
    add.add_argument("--efecto", help="actividad: progress|regression|neutral")
    add.add_argument("--plantilla", help="documento: the template text")
    add.add_argument("--plantilla-archivo", help="documento: read the template from this file")
    add.set_defaults(func=cmd_catalog_add)
    for change in CHANGES:
        p = cat.add_parser(change.verb, help=change.help)
        if change.kind is None:
            p.add_argument("kind", help=KINDS_HELP)
        p.add_argument("ref", help=change.ref_help)
        if change.value is not None:
            name, options = change.value
            p.add_argument(name, **options)
        p.set_defaults(func=cmd_catalog_change, change=change)
