"""A follow-up's history (``fu:hi``): its lineage and every event, page by page, and
re-sending an attachment (``fu:rs``)."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from crm.followups import activity
from crm.kernel.formatting import local_datetime
from crm.kernel.views import EventView, LineageView
from handlers import keyboards
from handlers.context import CrmContext
from handlers.followups.buttons import KEEP, History, ResendAttachment
from handlers.followups.render import (
    FILE_ICONS,
    HISTORY_PAGE_CHARS,
    MAX_MESSAGE,
    _b,
    event_line,
    query_of,
)
from handlers.links import (
    FollowupCard,
)

# --- history ---------------------------------------------------------------------------------


def _history_blocks(
    lineage: LineageView, context: CrmContext
) -> list[tuple[str, EventView | None]]:
    """Lines of the whole lineage; each line remembers its attachment event, if any."""
    tz = context.crm.tz
    lines: list[tuple[str, EventView | None]] = []
    for f in lineage.followups:
        role = (
            context.t("fu.hist_main")
            if f.id == lineage.root_id
            else context.t("fu.hist_child", parent=f.parent_id)
        )
        state = f" ({html.escape(f.state)})" if f.state else ""
        lines.append(("", None))
        lines.append(
            (
                context.t(
                    "fu.hist_header",
                    id=f.id,
                    type=html.escape(f.type_name),
                    role=role,
                    status=context.t(f"fu.status_{f.status}") + state,
                    owner=html.escape(f.owner_code),
                    due=local_datetime(f.due_at, tz),
                ),
                None,
            )
        )
        for ev in f.events:
            line = event_line(ev, context)
            if len(line) > HISTORY_PAGE_CHARS:
                # Only text made almost entirely of escaped characters gets here.
                line = event_line(ev, context, 400)
            lines.append(("• " + line, ev if ev.kind == "attachment" else None))
    return lines[1:]


def _paginate(lines: list[tuple[str, EventView | None]]) -> list[list[tuple[str, Any]]]:
    pages: list[list[tuple[str, Any]]] = [[]]
    size = 0
    for line in lines:
        if pages[-1] and size + len(line[0]) + 1 > HISTORY_PAGE_CHARS:
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line[0]) + 1
    return pages


async def _history(update: Update, context: CrmContext, data: History) -> object:
    fid = data.followup_id
    lineage = await activity.history(context.crm, context.me, fid)
    pages = _paginate(_history_blocks(lineage, context))
    page = min(data.page, len(pages) - 1)
    body = "\n".join(line for line, _ in pages[page]).strip("\n")
    title = context.t(
        "fu.hist_title",
        id=lineage.root_id,
        page=page + 1,
        pages=len(pages),
        count=len(lineage.followups),
    )
    rows: list[list[InlineKeyboardButton]] = []
    for _, ev in pages[page]:
        if ev is not None:
            label = f"{FILE_ICONS.get(ev.file_kind or '', '📎')} " + context.t(
                "fu.b_resend", at=local_datetime(ev.at, context.crm.tz)
            )
            rows.append([_b(label, ResendAttachment(ev.id))])
    nav = keyboards.pager(page, len(pages), lambda p: History(fid, p))
    if nav:
        rows.append(nav)
    rows.append([_b(context.t("fu.b_card"), FollowupCard(fid))])
    await query_of(update).edit_message_text(
        f"{title}\n\n{body}"[:MAX_MESSAGE],
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(rows),
        disable_web_page_preview=True,
    )
    await query_of(update).answer()
    return KEEP


async def _resend(update: Update, context: CrmContext, data: ResendAttachment) -> object:
    event = await activity.get_attachment(context.crm, context.me, data.event_id)
    chat = query_of(update).message.chat.id
    caption = html.escape(event.text) if event.text else None
    if event.file_kind == "photo" and event.file_id:
        await context.bot.send_photo(chat, event.file_id, caption=caption, parse_mode="HTML")
    elif event.file_kind == "location" and event.latitude is not None:
        await context.bot.send_location(chat, event.latitude, event.longitude)
    elif event.file_id:
        await context.bot.send_document(chat, event.file_id, caption=caption, parse_mode="HTML")
    await query_of(update).answer()
    return KEEP
