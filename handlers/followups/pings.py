"""Ping, digest and escalation messages, and the snooze buttons of a ping (``nt:``).

The renderers are plain functions (text + keyboard) used by the notifier in bot/; the
callback handler turns a **+1 h** / **+4 h** / **Mañana** press into one use case call.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from crm.followups.pings import (
    SNOOZE_CHOICES,
    Digest,
    DuePing,
    EscalationMessage,
    PendingItem,
    UnreachableReport,
    snooze,
)
from crm.kernel import formatting
from crm.kernel.errors import StaleVersion
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.context import CrmContext
from handlers.links import CloseMenu, OpenFollowup
from handlers.phones import phone_list
from handlers.texts import t

PREFIX = "nt"
# Telegram allows 4096 characters; stay clear of it with the header and footer around lines.
TEXT_BUDGET = 3800
GROUP_BUTTONS = 30
DIGEST_BUTTONS = 5
ESCALATION_BUTTONS = 10
LABEL_CHARS = 40

Rendered = tuple[str, InlineKeyboardMarkup | None]


# --- the buttons' data -----------------------------------------------------------------------
# The action is the snooze choice (crm.notifications.SNOOZE_CHOICES); ``version`` is the one
# the ping showed: a snooze is refused when the follow-up changed since.


@dataclass(frozen=True)
class SnoozeOneHour(CallbackData, prefix=PREFIX, action="h1"):
    """+1 h."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class SnoozeFourHours(CallbackData, prefix=PREFIX, action="h4"):
    """+4 h."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class SnoozeTomorrow(CallbackData, prefix=PREFIX, action="tm"):
    """Mañana: the next working day's start."""

    followup_id: int
    version: int


Snooze = SnoozeOneHour | SnoozeFourHours | SnoozeTomorrow
SNOOZES: dict[str, type[Snooze]] = {
    c.action: c for c in (SnoozeOneHour, SnoozeFourHours, SnoozeTomorrow)
}
assert set(SNOOZES) == set(SNOOZE_CHOICES), "a snooze choice without its button"


def _e(value: object) -> str:
    return html.escape(str(value))


def _short(name: str, limit: int = LABEL_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def _open_button(lang: str, followup_id: int, label: str | None = None) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        label or t(lang, "nt.btn.open"), callback_data=OpenFollowup(followup_id).pack()
    )


def _fit(lines: Sequence[str], budget: int) -> tuple[list[str], int]:
    """As many lines as fit in ``budget`` characters; and how many were left out."""
    kept: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        kept.append(line)
        used += len(line) + 1
    return kept, len(lines) - len(kept)


# --- ping ------------------------------------------------------------------------------------


def ping_keyboard(lang: str, ping: DuePing) -> InlineKeyboardMarkup:
    """**+1 h**, **+4 h**, **Mañana** / **Cerrar**, **Abrir**."""
    fid, version = ping.followup_id, ping.version
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t(lang, f"nt.btn.{choice}"),
                    callback_data=SNOOZES[choice](fid, version).pack(),
                )
                for choice in SNOOZE_CHOICES
            ],
            [
                InlineKeyboardButton(
                    t(lang, "nt.btn.close"), callback_data=CloseMenu(fid, version).pack()
                ),
                _open_button(lang, fid),
            ],
        ]
    )


def render_ping(ping: DuePing, lang: str, tz: ZoneInfo, now: datetime) -> Rendered:
    """One due follow-up: tercero, type, due, note, document and balance, with buttons."""
    if now - ping.due_at < timedelta(minutes=1):
        title = t(lang, "nt.ping.title_now")
    else:
        title = t(lang, "nt.ping.title", relative=formatting.relative(ping.due_at, now, lang))
    lines = [
        title,
        t(lang, "nt.ping.tercero", name=_e(ping.tercero.name), nit=_e(ping.tercero.nit)),
    ]
    if ping.tercero.phones:
        lines.append(t(lang, "nt.ping.phone", phones=phone_list(ping.tercero.phones)))
    lines.append(t(lang, "nt.ping.type", type=_e(ping.type_name)))
    lines.append(t(lang, "nt.ping.due", due=formatting.local_datetime(ping.due_at, tz)))
    if ping.note:
        lines.append(t(lang, "nt.ping.note", note=_e(ping.note)))
    if ping.document is not None:
        lines.append(
            t(
                lang,
                "nt.ping.document",
                document=_e(ping.document.label),
                balance=formatting.money(ping.document.balance),
            )
        )
    return "\n".join(lines), ping_keyboard(lang, ping)


def render_group(pings: Sequence[DuePing], lang: str, tz: ZoneInfo, now: datetime) -> Rendered:
    """Several due follow-ups of one user as one message, a button per follow-up."""
    lines = [
        t(
            lang,
            "nt.group.line",
            n=n,
            tercero=_e(p.tercero.name),
            type=_e(p.type_name),
            due=formatting.local_datetime(p.due_at, tz),
        )
        for n, p in enumerate(pings, 1)
    ]
    kept, left_out = _fit(lines[:GROUP_BUTTONS], TEXT_BUDGET)
    left_out += max(0, len(lines) - GROUP_BUTTONS)
    text = "\n".join([t(lang, "nt.group.title", count=len(pings)), *kept])
    if left_out:
        text += "\n" + t(lang, "nt.more", count=left_out)
    buttons = [
        [_open_button(lang, p.followup_id, f"{n}. {_short(p.tercero.name)}")]
        for n, p in enumerate(pings[: len(kept)], 1)
    ]
    return text, InlineKeyboardMarkup(buttons)


# --- digest, escalation, unreachable ---------------------------------------------------------


def _when(item: PendingItem, tz: ZoneInfo, now: datetime) -> str:
    """Today's items by hour, older ones by date and hour."""
    local = item.due_at.astimezone(tz)
    if local.date() == now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return formatting.local_datetime(item.due_at, tz)


def render_digest(digest: Digest, lang: str, tz: ZoneInfo, now: datetime) -> Rendered:
    """How many overdue, how many today, and the first few as buttons."""
    lines = [
        t(lang, "nt.digest.title", name=_e(digest.user.name)),
        t(lang, "nt.digest.counts", overdue=digest.overdue, today=digest.today),
    ]
    if digest.first:
        lines.append("")
        lines.append(t(lang, "nt.digest.first"))
        lines += [
            t(
                lang,
                "nt.digest.line",
                due=_when(i, tz, now),
                tercero=_e(i.tercero_name),
                type=_e(i.type_name),
            )
            for i in digest.first
        ]
    lines.append("")
    lines.append(t(lang, "nt.digest.footer"))
    kept, _ = _fit(lines, TEXT_BUDGET)
    buttons = [
        [_open_button(lang, i.followup_id, f"{_when(i, tz, now)} {_short(i.tercero_name)}")]
        for i in digest.first[:DIGEST_BUTTONS]
    ]
    return "\n".join(kept), InlineKeyboardMarkup(buttons) if buttons else None


def render_escalation(
    message: EscalationMessage, lang: str, tz: ZoneInfo, now: datetime
) -> Rendered:
    """One agent's long-overdue follow-ups for their supervisor (or an admin)."""
    header = [
        t(lang, "nt.escalation.title", hours=message.hours),
        t(
            lang,
            "nt.escalation.agent",
            agent=_e(message.agent_name),
            code=_e(message.agent_code),
            count=len(message.items),
        ),
    ]
    lines = [
        t(
            lang,
            "nt.escalation.line",
            tercero=_e(i.tercero_name),
            type=_e(i.type_name),
            due=formatting.local_datetime(i.due_at, tz),
            relative=formatting.relative(i.due_at, now, lang),
        )
        for i in message.items
    ]
    kept, left_out = _fit(lines, TEXT_BUDGET - sum(len(h) + 1 for h in header))
    text = "\n".join([*header, *kept])
    if left_out:
        text += "\n" + t(lang, "nt.more", count=left_out)
    buttons = [
        [_open_button(lang, i.followup_id, f"{t(lang, 'nt.btn.open')}: {_short(i.tercero_name)}")]
        for i in message.items[: min(len(kept), ESCALATION_BUTTONS)]
    ]
    return text, InlineKeyboardMarkup(buttons)


def render_unreachable(report: UnreachableReport, lang: str) -> Rendered:
    """Tell a supervisor that an agent can no longer be pinged."""
    return (
        t(
            lang,
            "nt.unreachable",
            name=_e(report.user_name),
            code=_e(report.user_code),
            count=report.active_followups,
        ),
        None,
    )


# --- snooze buttons --------------------------------------------------------------------------


async def on_snooze(update: Update, context: CrmContext) -> None:
    """**+1 h** / **+4 h** / **Mañana** on a ping: postpone and confirm on the ping itself."""
    query = update.callback_query
    assert query is not None
    data = parse(query.data, PREFIX)
    if not isinstance(data, Snooze):
        raise BadCallback("unknown snooze")
    try:
        view = await snooze(context.crm, context.me, data.followup_id, data.action, data.version)
    except StaleVersion:
        await query.answer(context.t("nt.stale"), show_alert=True)
        return
    due = formatting.local_datetime(view.due_at, context.crm.tz)
    await query.answer(context.t("nt.snoozed_toast", due=due))
    await query.edit_message_text(
        context.t("nt.snoozed", tercero=_e(view.tercero.name), type=_e(view.type_name), due=due),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[_open_button(context.lang, view.id)]]),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_snooze, pattern=pattern(PREFIX)))
