"""The ``crm-bot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from bot.settings import Settings
from crm.errors import CrmError
from handlers.texts import t

NO_TOKEN = (
    "crm-bot: CRM_BOT_TOKEN is not set.\n"
    "Get a token from @BotFather in Telegram (send /newbot and follow the steps), then put it\n"
    "in the environment or in .env:  CRM_BOT_TOKEN=123456:ABC...  and run `crm-bot run` again."
)


REPORT_USAGE = (
    "crm-bot report agenda|seguimientos|actividades|cartera|desempeno "
    "--desde YYYY-MM-DD --hasta YYYY-MM-DD [--agente CODE] -o FILE.xlsx"
)


def plain(text: str) -> str:
    """A chat message (HTML) as terminal text."""
    return html.unescape(re.sub(r"</?[a-z]+[^>]*>", "", text))


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  CRM_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        ]
        raise SystemExit("crm-bot: bad configuration:\n" + "\n".join(lines)) from None


def with_crm(
    settings: Settings, action: Callable[[Any], Awaitable[Any]], migrate: bool = True
) -> Any:
    """Run ``action(crm)`` on a fresh engine (migrating first when behind), then dispose."""
    from bot.app import make_crm
    from storage.migrate import upgrade_if_behind

    async def main() -> Any:
        crm = make_crm(settings)
        engine = crm.sessions.kw["bind"]
        try:
            if migrate:
                await upgrade_if_behind(engine)
            return await action(crm)
        finally:
            await engine.dispose()

    return asyncio.run(main())


# --- run -------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.app import build_application, make_crm
    from bot.logging_setup import setup_logging
    from storage.migrate import upgrade_if_behind

    token = settings.bot_token.get_secret_value()
    setup_logging(token)

    async def migrate() -> None:
        crm = make_crm(settings)
        engine = crm.sessions.kw["bind"]
        try:
            await upgrade_if_behind(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    allowed = ["message", "callback_query"]
    if not args.webhook:
        app = build_application(settings, make_crm(settings))
        app.run_polling(allowed_updates=allowed)
        return 0
    url = urlsplit(args.webhook)
    if url.scheme not in ("https", "http") or not url.netloc:
        print(
            f"crm-bot: --webhook needs a full URL like https://bot.example.com/telegram, "
            f"not {args.webhook!r}",
            file=sys.stderr,
        )
        return 2
    from bot.webhook import limit_webhook_bodies

    limit_webhook_bodies()  # bodies over 1 MB are refused before they are read
    app = build_application(settings, make_crm(settings), multi_instance=True)
    app.run_webhook(
        listen=args.listen,
        port=args.port,
        url_path=url.path.lstrip("/"),
        webhook_url=args.webhook,
        secret_token=settings.webhook_secret_token(),
        allowed_updates=allowed,
    )
    return 0


# --- db --------------------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    async def action(crm: Any) -> None:
        await upgrade(crm.sessions.kw["bind"])

    with_crm(settings, action, migrate=False)
    print("crm-bot: database is up to date")
    return 0


# --- users -----------------------------------------------------------------------------------


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    from crm.users import add_user

    user = with_crm(
        settings,
        lambda crm: add_user(
            crm, args.telegram_id, args.name, args.code, args.role, args.supervisor
        ),
    )
    print(f"crm-bot: user {user.code} ({user.name}, {user.role}) added")
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    from crm.users import list_users

    users = with_crm(settings, list_users)
    print(f"{'CODE':<12} {'TELEGRAM ID':>14}  {'ROLE':<11} {'SUPERVISOR':<11} {'STATUS':<9} NAME")
    for u in users:
        status = "active" if u.active else "inactive"
        print(
            f"{u.code:<12} {u.telegram_id:>14}  {u.role:<11} {u.supervisor_code or '-':<11} "
            f"{status:<9} {u.name}"
        )
    return 0


def cmd_users_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    from crm.users import deactivate_user

    with_crm(settings, lambda crm: deactivate_user(crm, args.code))
    print(f"crm-bot: user {args.code.upper()} deactivated")
    return 0


# --- catalog ---------------------------------------------------------------------------------


def _entry_line(item: Any) -> str:
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
            print(_entry_line(item))
    return 0


def cmd_catalog_add(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs
    from crm.users import SYSTEM

    kind = catalogs.parse_kind(args.kind)
    template = args.plantilla
    if args.plantilla_archivo:
        with open(args.plantilla_archivo, encoding="utf-8") as handle:
            template = handle.read()
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
    print(f"crm-bot: added {_entry_line(item).strip()}")
    return 0


def _catalog_change(
    settings: Settings, kind_word: str, ref: str, change: Callable[[Any, Any, Any], Any]
) -> Any:
    from crm import catalogs
    from crm.users import SYSTEM

    kind = catalogs.parse_kind(kind_word)

    async def action(crm: Any) -> Any:
        item = await catalogs.find_item(crm, SYSTEM, kind, ref)
        return await change(crm, SYSTEM, item)

    item = with_crm(settings, action)
    print(f"crm-bot: {_entry_line(item).strip()}")
    return item


def cmd_catalog_rename(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs

    _catalog_change(
        settings,
        args.kind,
        args.ref,
        lambda crm, actor, item: catalogs.rename_item(crm, actor, item.kind, item.id, args.new),
    )
    return 0


def cmd_catalog_active(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs

    active = args.catalog_command == "activate"
    _catalog_change(
        settings,
        args.kind,
        args.ref,
        lambda crm, actor, item: catalogs.set_active(crm, actor, item.kind, item.id, active),
    )
    return 0


def cmd_catalog_hours(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs

    _catalog_change(
        settings,
        "tipo",
        args.ref,
        lambda crm, actor, item: catalogs.set_hours(crm, actor, item.id, args.hours),
    )
    return 0


def cmd_catalog_meaning(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs

    _catalog_change(
        settings,
        "estado",
        args.ref,
        lambda crm, actor, item: catalogs.set_meaning(crm, actor, item.id, args.value),
    )
    return 0


def cmd_catalog_effect(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs

    _catalog_change(
        settings,
        "actividad",
        args.ref,
        lambda crm, actor, item: catalogs.set_effect(crm, actor, item.id, args.value),
    )
    return 0


def cmd_catalog_template(args: argparse.Namespace, settings: Settings) -> int:
    from crm import catalogs

    with open(args.path, encoding="utf-8") as handle:
        template = handle.read()
    _catalog_change(
        settings,
        "documento",
        args.ref,
        lambda crm, actor, item: catalogs.set_document_content(
            crm, actor, item.id, template=template
        ),
    )
    return 0


def _add_catalog_parser(sub: Any) -> None:
    kinds = "tipo|estado|actividad|documento"
    catalog = sub.add_parser("catalog", help="manage catalogs (types, states, activities, docs)")
    cat = catalog.add_subparsers(dest="catalog_command", required=True)
    ls = cat.add_parser("list", help="list one catalog or all")
    ls.add_argument("kind", nargs="?", help=kinds)
    ls.set_defaults(func=cmd_catalog_list)
    add = cat.add_parser("add", help="add an item")
    add.add_argument("kind", help=kinds)
    add.add_argument("name")
    add.add_argument("--horas", type=int, help="tipo: default hours until the next follow-up")
    add.add_argument("--significado", help="estado: open|closed|discarded (abierto|cierre|...)")
    add.add_argument("--efecto", help="actividad: progress|regression|neutral")
    add.add_argument("--plantilla", help="documento: the template text")
    add.add_argument("--plantilla-archivo", help="documento: read the template from this file")
    add.set_defaults(func=cmd_catalog_add)
    rename = cat.add_parser("rename", help="rename an item (by name or id)")
    rename.add_argument("kind", help=kinds)
    rename.add_argument("ref", help="current name or id")
    rename.add_argument("new", help="new name")
    rename.set_defaults(func=cmd_catalog_rename)
    for verb, text in (("deactivate", "hide an item (history keeps it)"), ("activate", "show")):
        p = cat.add_parser(verb, help=text)
        p.add_argument("kind", help=kinds)
        p.add_argument("ref", help="name or id")
        p.set_defaults(func=cmd_catalog_active)
    hours = cat.add_parser("hours", help="change a follow-up type's default hours")
    hours.add_argument("ref", help="type name or id")
    hours.add_argument("hours", type=int)
    hours.set_defaults(func=cmd_catalog_hours)
    meaning = cat.add_parser("meaning", help="change a state's meaning")
    meaning.add_argument("ref", help="state name or id")
    meaning.add_argument("value", help="open|closed|discarded")
    meaning.set_defaults(func=cmd_catalog_meaning)
    effect = cat.add_parser("effect", help="change an activity's effect")
    effect.add_argument("ref", help="activity name or id")
    effect.add_argument("value", help="progress|regression|neutral")
    effect.set_defaults(func=cmd_catalog_effect)
    template = cat.add_parser("template", help="replace a support document's template")
    template.add_argument("ref", help="document name or id")
    template.add_argument("path", help="UTF-8 text file with the template")
    template.set_defaults(func=cmd_catalog_template)


# --- import ----------------------------------------------------------------------------------


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


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from crm.imports import ImportResult, RowError, import_file

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


# --- demo-data -------------------------------------------------------------------------------


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from crm.demo import DemoRefused, DemoSummary, fill_demo_data

    lang = settings.language
    try:
        summary: DemoSummary = with_crm(settings, lambda crm: fill_demo_data(crm, args.admin_id))
    except DemoRefused as exc:
        # Not a failure: the README's one-liner runs `demo-data && run` on every start.
        print(f"crm-bot: {t(lang, exc.key, **exc.params)}", file=sys.stderr)
        return 0
    done = t(
        lang,
        "demo.done",
        terceros=summary.terceros,
        documents=summary.documents,
        followups=summary.followups,
        users=len(summary.users),
    )
    print(f"crm-bot: {done}\n")
    print(f"{'CODE':<10} {'TELEGRAM ID':>16}  {'ROLE':<11} NAME")
    for user in summary.users:
        print(f"{user.code:<10} {user.telegram_id:>16}  {user.role:<11} {user.name}")
    if args.admin_id is None:
        print(
            "\nThese Telegram ids are invented, so nobody can use the bot yet. To be the admin\n"
            "yourself, run instead (on an empty database):  crm-bot demo-data --admin-id YOUR_ID\n"
            'or register yourself now:  crm-bot users add YOUR_ID "Your Name" --code YO '
            "--role admin\n"
            "(write to the bot: it answers a stranger with their Telegram id)."
        )
    else:
        print(f"\nTelegram id {summary.admin_id} is the admin: write /start to the bot.")
    return 0


# --- report --------------------------------------------------------------------------------


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
        print(f"usage: {REPORT_USAGE}", file=sys.stderr)
        return 1
    shutil.move(report.path, output)
    # The file was made private as a temporary file; give it the user's usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    output.chmod(0o666 & ~umask)
    print(f"crm-bot: wrote {output} ({report.rows} rows, {report.filename})")
    return 0


# --- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-bot", description=__doc__)
    debug_help = "on a fatal error, print the full (redacted) traceback"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the bot (long polling, or --webhook)")
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="public HTTPS URL Telegram posts updates to (enables webhook mode)",
    )
    run.add_argument("--listen", default="0.0.0.0", help="address to listen on (webhook mode)")
    run.add_argument("--port", type=int, default=8443, help="port to listen on (webhook mode)")
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
    run.set_defaults(func=cmd_run)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)

    users = sub.add_parser("users", help="manage users")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="register a user")
    add.add_argument("telegram_id", type=int)
    add.add_argument("name")
    add.add_argument("--code", required=True)
    add.add_argument("--role", required=True)
    add.add_argument("--supervisor")
    add.set_defaults(func=cmd_users_add)
    users_sub.add_parser("list", help="list users").set_defaults(func=cmd_users_list)
    deactivate = users_sub.add_parser("deactivate", help="take away a user's access")
    deactivate.add_argument("code")
    deactivate.set_defaults(func=cmd_users_deactivate)
    _add_catalog_parser(sub)

    imp = sub.add_parser(
        "import",
        help="load an ERP export (.xlsx or .csv): all or nothing unless --skip-invalid",
    )
    imp.add_argument("kind", choices=["terceros", "documentos", "seguimientos"])
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="write the good rows and only list the bad ones",
    )
    imp.set_defaults(func=cmd_import)

    demo = sub.add_parser("demo-data", help="fill an empty database with a realistic sample")
    demo.add_argument(
        "--admin-id",
        type=int,
        metavar="TELEGRAM_ID",
        help="register this Telegram id (yours) as the demo admin",
    )
    demo.set_defaults(func=cmd_demo_data)

    report = sub.add_parser("report", help="write an Excel report (as the system admin)")
    report.add_argument("tipo", help="agenda, seguimientos, actividades, cartera, desempeno")
    report.add_argument("--desde", help="first day, YYYY-MM-DD")
    report.add_argument("--hasta", help="last day, YYYY-MM-DD")
    report.add_argument("--agente", help="only this agent's book (user code)")
    report.add_argument("--tipo", dest="tipo_seguimiento", help="only this follow-up type")
    report.add_argument("--estado", help="only this state")
    report.add_argument("--nit", help="only this tercero")
    report.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from bot import redact

    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings()
    redact.install_for(settings, debug=bool(getattr(args, "debug", False)))
    try:
        return int(args.func(args, settings))
    except CrmError as exc:
        print(f"crm-bot: {plain(t(settings.language, exc.key, **exc.params))}", file=sys.stderr)
        return 1
    except BaseException as exc:  # one redacted line, never a raw traceback with the token
        return redact.fatal(exc)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
