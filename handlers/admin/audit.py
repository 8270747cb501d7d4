"""/auditoria (admins): the latest changes, those of one follow-up or user, and Excel."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.audit import trail as audit_trail
from crm.audit.trail import AuditFilter, AuditRow
from crm.kernel import formatting
from handlers import callbacks, keyboards
from handlers.callbacks import BadCallback, CallbackData, parse
from handlers.context import CrmContext

PREFIX = "ad"
MAX_ENTRY = 360


# --- the buttons' data -----------------------------------------------------------------------
# ``kind`` is the filter: ``all``, ``fu`` (one follow-up) or ``us`` (one user's changes);
# ``subject_id`` is that follow-up's or user's id, 0 with ``all``.


@dataclass(frozen=True)
class AuditPage(CallbackData, prefix=PREFIX, action="aud"):
    """A page of the changes: ``ad:aud:KIND:ID:PAGE``."""

    kind: str
    subject_id: int
    page: int


@dataclass(frozen=True)
class AuditExcel(CallbackData, prefix=PREFIX, action="audx"):
    """The same changes as an Excel file: ``ad:audx:KIND:ID``."""

    kind: str
    subject_id: int


def _entry(context: CrmContext, row: AuditRow, names: Mapping[str, str]) -> str:
    """One change in words, after its local time."""
    when = formatting.local_datetime(row.at, context.crm.tz)
    text = f"{when} · {audit_trail.sentence(row, context.lang, context.crm.tz, names)}"
    if len(text) > MAX_ENTRY:
        text = text[: MAX_ENTRY - 1] + "…"
    return html.escape(text)


def _filter_parts(flt: AuditFilter) -> tuple[str, int]:
    if flt.followup_id is not None:
        return "fu", flt.followup_id
    if flt.user_id is not None:
        return "us", flt.user_id
    return "all", 0


def _filter_from(kind: str, arg: int) -> AuditFilter:
    if kind == "fu":
        return AuditFilter(followup_id=arg)
    if kind == "us":
        return AuditFilter(user_id=arg)
    if kind == "all":
        return AuditFilter()
    raise BadCallback("unknown audit filter")


async def _render(
    context: CrmContext, flt: AuditFilter, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    result = await audit_trail.audit_page(context.crm, context.me, flt, page)
    if flt.followup_id is not None:
        title = context.t("audit.title_followup", id=flt.followup_id)
    elif flt.user_id is not None:
        title = context.t("audit.title_user", code=html.escape(result.subject or "?"))
    else:
        title = context.t("audit.title")
    lines = [title + f" ({result.page + 1}/{result.pages}, {result.total})"]
    lines += [_entry(context, r, result.names) for r in result.rows] or [context.t("audit.empty")]
    kind, arg = _filter_parts(flt)
    nav = keyboards.pager(result.page, result.pages, lambda p: AuditPage(kind, arg, p))
    rows = [nav] if nav else []
    rows.append([keyboards.button(context.t("audit.excel"), AuditExcel(kind, arg))])
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


async def _send_excel(context: CrmContext, chat_id: int, flt: AuditFilter) -> None:
    data = await audit_trail.export_audit(context.crm, context.me, flt, context.lang)
    stamp = context.crm.local_now().strftime("%Y%m%d-%H%M")
    await context.bot.send_document(
        chat_id,
        InputFile(data, filename=f"auditoria-{stamp}.xlsx"),
        caption=context.t("audit.excel_caption"),
    )


async def auditoria(update: Update, context: CrmContext) -> None:
    """``/auditoria [excel] [seguimiento ID | usuario CODE]``."""
    message = update.effective_message
    assert message is not None and update.effective_chat is not None
    args = [a.lower() for a in (context.args or [])]
    excel = bool(args) and args[0] in ("excel", "xlsx")
    if excel:
        args = args[1:]
    if not args:
        flt = AuditFilter()
    elif (
        len(args) == 2
        and args[0] in ("seguimiento", "followup")
        and args[1].isascii()
        and args[1].isdigit()
    ):
        flt = AuditFilter(followup_id=int(args[1][:18]))
    elif len(args) == 2 and args[0] in ("usuario", "user"):
        flt = await audit_trail.resolve_user_filter(context.crm, context.me, args[1])
    else:
        await message.reply_text(context.t("audit.usage"), parse_mode=ParseMode.HTML)
        return
    if excel:
        await _send_excel(context, update.effective_chat.id, flt)
        return
    text, markup = await _render(context, flt, 0)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_button(update: Update, context: CrmContext) -> None:
    """Paging (``ad:aud:KIND:ID:PAGE``) and the Excel export (``ad:audx:KIND:ID``)."""
    query = update.callback_query
    assert query is not None and query.message is not None
    match parse(query.data, PREFIX):
        case AuditExcel(kind=kind, subject_id=subject_id):
            await _send_excel(context, query.message.chat.id, _filter_from(kind, subject_id))
            await query.answer()
        case AuditPage(kind=kind, subject_id=subject_id, page=page):
            text, markup = await _render(context, _filter_from(kind, subject_id), page)
            await query.answer()
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        case _:
            raise BadCallback("not an audit button")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("auditoria", auditoria))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(PREFIX)))
