"""📞 Contacto on the follow-up card (``ct:``), through the Ley 2300 guard.

The guard's line first, then channel → result → optional note. An agent stopped by the guard
sees why (the attempt is recorded as blocked); a supervisor or admin may register it as an
exception with a typed reason. The typed reason and note are pending questions of
``handlers/asking.py`` (kinds ``ct.why``, ``ct.note``); the half-made contact (a supervisor's
reason) lives beside them in user_data and goes with /cancelar.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from crm import contacts
from crm import followups as fu_uc
from crm.contacts import ContactBlocked
from crm.ley2300 import CHANNELS, RESULTS, Rule, Verdict, channel_label, display_params
from handlers import asking
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.context import CrmContext
from handlers.followups import back_button, show_done_and_card
from handlers.keyboards import button
from handlers.links import ContactMenu
from handlers.texts import CATALOG

PREFIX = "ct"
REASON = "cobranza.why"  # user_data: a supervisor's typed exception reason


def _channel_name(context: CrmContext, channel: object) -> str:
    """A channel's name in the user's language ("llamada" / "call")."""
    value = str(getattr(channel, "value", channel))
    key = f"ct.name.{value}"
    return context.t(key) if key in CATALOG["es"] else channel_label(value)


def _result_name(context: CrmContext, result: str) -> str:
    """A stored result ("contestó") in the user's language ("answered")."""
    values = [r.value for r in RESULTS]
    if result in values:
        return context.t(f"ct.result.{values.index(result)}").lower()
    return result


# --- the buttons' data -----------------------------------------------------------------------
# ct:m (the card's 📞 Contacto) is links.ContactMenu. ``channel`` is a crm.ley2300 channel
# value; ``result`` the position of one of RESULTS.


@dataclass(frozen=True)
class PickChannel(CallbackData, prefix=PREFIX, action="c"):
    """A channel: the results if the guard allows it, else why not."""

    followup_id: int
    channel: str


@dataclass(frozen=True)
class OverrideGuard(CallbackData, prefix=PREFIX, action="o"):
    """A supervisor registers a refused contact as an exception (asks the reason)."""

    followup_id: int
    channel: str


@dataclass(frozen=True)
class PickResult(CallbackData, prefix=PREFIX, action="r"):
    """A result: asks for the optional note."""

    followup_id: int
    channel: str
    result: int


@dataclass(frozen=True)
class ContactNoNote(CallbackData, prefix=PREFIX, action="n"):
    """Register the contact without a note."""

    followup_id: int
    channel: str
    result: int


# --- rendering -------------------------------------------------------------------------------


def verdict_line(context: CrmContext, verdict: Verdict) -> str:
    """ "✅ Puedes contactar hoy por llamada" or "⛔ <why not>" (HTML)."""
    if verdict.allowed:
        if not verdict.protected:
            return context.t("ley.not_protected")
        names = [_channel_name(context, c) for c in verdict.channels]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1])
        if len(names) > 1:
            joined += context.t("ley.or") + names[-1]
        return context.t("ley.ok", channels=html.escape(joined))
    params = {k: html.escape(v) for k, v in display_params(verdict.params, context.lang).items()}
    if "channel" in verdict.params:
        params["channel"] = html.escape(_channel_name(context, verdict.params["channel"]))
    if verdict.rule == Rule.HOURS:
        when = context.t(f"ley.when.{params.get('when', 'after')}", limit=params.get("limit", ""))
        return context.t("ley.hours", when=when)
    assert verdict.rule is not None
    return context.t(f"ley.{verdict.rule.value}", **params)


def _query(update: Update) -> Any:
    assert update.callback_query is not None
    return update.callback_query


def _markup(rows: list[list[InlineKeyboardButton]], back: InlineKeyboardButton) -> Any:
    return InlineKeyboardMarkup([*rows, [back]])


# --- 📞 Contacto -----------------------------------------------------------------------------


async def _contact_menu(update: Update, context: CrmContext, data: ContactMenu) -> None:
    """The guard's line first, then the channel buttons."""
    fid = data.followup_id
    view = await contacts.guard(context.crm, context.me, fid)
    context.user_data.pop(REASON, None)  # type: ignore[union-attr]
    lines = [
        context.t("ct.title", tercero=html.escape(view.tercero_name)),
        verdict_line(context, view.verdict),
        "",
        context.t("ct.pick_channel"),
    ]
    buttons = [
        button(context.t(f"ct.channel.{c.value}"), PickChannel(fid, c.value)) for c in CHANNELS
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await _query(update).edit_message_text(
        "\n".join(lines),
        parse_mode=ParseMode.HTML,
        reply_markup=_markup(rows, back_button(context, fid)),
    )
    await _query(update).answer()


def _result_rows(fid: int, channel: str, context: CrmContext) -> list[list[InlineKeyboardButton]]:
    buttons = [
        button(context.t(f"ct.result.{i}"), PickResult(fid, channel, i))
        for i in range(len(RESULTS))
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def _channel(update: Update, context: CrmContext, data: PickChannel) -> None:
    """A channel was picked: allowed → the results; refused → why (and the exception)."""
    fid, channel = data.followup_id, data.channel
    view = await contacts.guard(context.crm, context.me, fid, channel)
    back = back_button(context, fid)
    label = html.escape(_channel_name(context, channel))
    if view.verdict.allowed:
        await _query(update).edit_message_text(
            context.t("ct.pick_result", channel=label),
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(_result_rows(fid, channel, context), back),
        )
        await _query(update).answer()
        return
    reason = verdict_line(context, view.verdict)
    if view.may_override:
        override = button(context.t("ct.b_override"), OverrideGuard(fid, channel))
        await _query(update).edit_message_text(
            context.t("ct.blocked_supervisor", reason=reason),
            parse_mode=ParseMode.HTML,
            reply_markup=_markup([[override]], back),
        )
    else:
        # The agent tried: the attempt is recorded as blocked for the compliance report.
        verdict = await contacts.record_blocked(context.crm, context.me, fid, channel)
        await _query(update).edit_message_text(
            context.t("ct.blocked_agent", reason=verdict_line(context, verdict)),
            parse_mode=ParseMode.HTML,
            reply_markup=_markup([], back),
        )
    await _query(update).answer()


async def _override(update: Update, context: CrmContext, data: OverrideGuard) -> None:
    """A supervisor registers a refused contact: first the typed reason."""
    fid, channel = data.followup_id, data.channel
    view = await contacts.guard(context.crm, context.me, fid, channel)
    if not view.may_override:
        raise BadCallback("override by an agent")
    await asking.ask(
        update,
        context,
        "ct.why",
        context.t("ct.ask_reason"),
        data={"fu": fid, "ch": channel},
        what=context.t("ct.b_contact"),
    )


@asking.answer("ct.why", accepts=asking.TEXT)
async def _answer_reason(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The supervisor's reason for the exception; then the results."""
    data = q.data
    assert update.effective_message is not None
    reason = (update.effective_message.text or "").strip()
    if not reason:
        await update.effective_message.reply_text(context.t("ct.ask_reason"))
        return False
    fid, channel = int(data["fu"]), str(data["ch"])
    fu_uc.clean_note(reason, contacts.MAX_REASON)
    context.user_data[REASON] = {"fu": fid, "ch": channel, "reason": reason}  # type: ignore[index]
    await update.effective_message.reply_text(
        context.t("ct.pick_result", channel=html.escape(_channel_name(context, channel))),
        parse_mode=ParseMode.HTML,
        reply_markup=_markup(_result_rows(fid, channel, context), back_button(context, fid)),
    )
    return True


def _reason_for(context: CrmContext, fid: int, channel: str) -> str | None:
    stored = (context.user_data or {}).get(REASON)
    if stored and stored.get("fu") == fid and stored.get("ch") == channel:
        return str(stored["reason"])
    return None


def _result_of(position: int) -> str:
    if position >= len(RESULTS):
        raise BadCallback("unknown result")
    return RESULTS[position].value


async def _result(update: Update, context: CrmContext, data: PickResult) -> None:
    """A result was picked: ask for the optional note (about a follow-up the user may act
    on, still active)."""
    fid, channel, result = data.followup_id, data.channel, _result_of(data.result)
    await fu_uc.get_active_followup(context.crm, context.me, fid)
    skip = button(context.t("ct.b_no_note"), ContactNoNote(fid, channel, data.result))
    await asking.ask(
        update,
        context,
        "ct.note",
        context.t(
            "ct.ask_note",
            channel=html.escape(_channel_name(context, channel)),
            result=html.escape(_result_name(context, result)),
        ),
        data={"fu": fid, "ch": channel, "r": result},
        buttons=[[skip]],
        what=context.t("ct.b_contact"),
    )


async def _register(
    update: Update, context: CrmContext, fid: int, channel: str, result: str, note: str | None
) -> None:
    reason = _reason_for(context, fid, channel)
    try:
        done = await contacts.register_contact(
            context.crm,
            context.me,
            fid,
            channel=channel,
            result=result,
            note=note,
            override_reason=reason,
        )
    except ContactBlocked as blocked:
        # The situation changed since the guard line was drawn (another agent called).
        message = context.t("ct.blocked_agent", reason=verdict_line(context, blocked.verdict))
        if update.callback_query is not None:
            await update.callback_query.edit_message_text(message, parse_mode=ParseMode.HTML)
            await update.callback_query.answer()
        else:
            assert update.effective_message is not None
            await update.effective_message.reply_text(message, parse_mode=ParseMode.HTML)
        return
    context.user_data.pop(REASON, None)  # type: ignore[union-attr]
    key = "ct.done_override" if done.outcome == "override" else "ct.done"
    text = context.t(
        key,
        channel=html.escape(_channel_name(context, channel)),
        result=html.escape(_result_name(context, result)),
    )
    await show_done_and_card(update, context, done.card, text)


async def _no_note(update: Update, context: CrmContext, data: ContactNoNote) -> None:
    """The "Sin nota" button: the answer to this contact's note question. Once answered (a
    double tap, the button of an older prompt) it is no longer valid: one contact a press."""
    result = _result_of(data.result)
    asked = asking.pending(context, "ct.note")
    if asked is None or asked.data != {"fu": data.followup_id, "ch": data.channel, "r": result}:
        raise BadCallback("no contact note pending")
    asking.clear(context, "ct.")
    await _register(update, context, data.followup_id, data.channel, result, None)


@asking.answer("ct.note", accepts=asking.TEXT)
async def _answer_note(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The typed note: register the contact."""
    data = q.data
    assert update.effective_message is not None
    note = update.effective_message.text or ""
    await _register(update, context, int(data["fu"]), str(data["ch"]), str(data["r"]), note)
    return True


# --- dispatch --------------------------------------------------------------------------------

Action = Callable[[Update, CrmContext, Any], Awaitable[None]]
ACTIONS: dict[type[CallbackData], Action] = {
    ContactMenu: _contact_menu,
    PickChannel: _channel,
    OverrideGuard: _override,
    PickResult: _result,
    ContactNoNote: _no_note,
}


async def on_press(update: Update, context: CrmContext) -> None:
    """Every ``ct:`` press re-loads the follow-up and re-checks the guard."""
    data = parse(_query(update).data, PREFIX)
    action = ACTIONS.get(type(data))
    if action is None:
        raise BadCallback("unknown contact action")
    await action(update, context, data)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_press, pattern=pattern(PREFIX)))  # type: ignore[arg-type]


# /cancelar (or a question's ✖ Cancelar, or its expiry) forgets the half-made contact too.
asking.register_flow("ct.", REASON)
