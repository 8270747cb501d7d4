"""📞 Contacto on the follow-up card (``ct:``), through the Ley 2300 guard.

The guard's line first, then channel → result (the contact is recorded at this press, in the
guard's transaction) → optional note, added to the recorded contact. An agent stopped by the
guard sees why (the attempt is recorded as blocked); a supervisor or admin may register it as
an exception with a typed reason. The typed reason and note are pending questions of
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

from crm.cobranza import contacts
from crm.cobranza.contacts import ContactBlocked
from crm.followups import lifecycle as fu_uc
from crm.ley2300.rules import CHANNELS, RESULTS
from handlers import asking
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.context import CrmContext
from handlers.followups.render import back_button, show_done_and_card
from handlers.guard_text import channel_name as _channel_name
from handlers.guard_text import verdict_line
from handlers.keyboards import button
from handlers.links import ContactMenu

PREFIX = "ct"
REASON = "cobranza.why"  # user_data: a supervisor's typed exception reason


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
    """A result: the contact is recorded, then the optional note is asked for."""

    followup_id: int
    channel: str
    result: int


@dataclass(frozen=True)
class ContactNoNote(CallbackData, prefix=PREFIX, action="n"):
    """«Sin nota» under a recorded contact (``attempt_id``); without it (a button drawn before
    contacts were recorded at the result's press) it registers the contact."""

    followup_id: int
    channel: str
    result: int
    attempt_id: int | None = None


# --- rendering -------------------------------------------------------------------------------


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


def _done_text(context: CrmContext, outcome: str, channel: str, result: str) -> str:
    key = "ct.done_override" if outcome == "override" else "ct.done"
    return context.t(
        key,
        channel=html.escape(_channel_name(context, channel)),
        result=html.escape(_result_name(context, result)),
    )


async def _say(update: Update, text: str, rows: list[list[InlineKeyboardButton]]) -> None:
    """Edit the pressed message (a button) or answer the typed one."""
    markup = InlineKeyboardMarkup(rows) if rows else None
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        await update.callback_query.answer()
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup
        )


async def _record(
    update: Update, context: CrmContext, fid: int, channel: str, result: str, note: str | None
) -> contacts.ContactOutcome | None:
    """Register the contact; when the guard refuses it (the situation changed since its line
    was drawn: someone else just made today's contact) say why, as the channel's press would
    — the attempt is already in the report — and return None."""
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
        line = verdict_line(context, blocked.verdict)
        back = [back_button(context, fid)]
        if blocked.may_override:
            override = button(context.t("ct.b_override"), OverrideGuard(fid, channel))
            text = context.t("ct.blocked_supervisor", reason=line)
            await _say(update, text, [[override], back])
        else:
            await _say(update, context.t("ct.blocked_agent", reason=line), [back])
        return None
    context.user_data.pop(REASON, None)  # type: ignore[union-attr]
    return done


async def _result(update: Update, context: CrmContext, data: PickResult) -> None:
    """A result was picked: the contact is recorded now (through the guard), then the
    optional note is asked for and added to it."""
    fid, channel, result = data.followup_id, data.channel, _result_of(data.result)
    done = await _record(update, context, fid, channel, result, None)
    if done is None:
        return
    skip = button(
        context.t("ct.b_no_note"), ContactNoNote(fid, channel, data.result, done.attempt_id)
    )
    text = _done_text(context, done.outcome, channel, result) + "\n" + context.t("ct.add_note")
    await asking.ask(
        update,
        context,
        "ct.note",
        text,
        data={"fu": fid, "ch": channel, "r": result, "at": done.attempt_id, "o": done.outcome},
        buttons=[[skip]],
        what=context.t("ct.b_contact"),
    )


async def _no_note(update: Update, context: CrmContext, data: ContactNoNote) -> None:
    """«Sin nota»: the recorded contact's card (a button drawn before contacts were recorded
    at the result's press registers it now, without a note)."""
    result = _result_of(data.result)
    if data.attempt_id is None:
        # An older button registers the contact only while its note question is pending: a
        # double tap (or the button of a replaced prompt) registers nothing more.
        asked = asking.pending(context, "ct.note")
        wanted = {"fu": data.followup_id, "ch": data.channel, "r": result}
        if asked is None or "at" in asked.data or {k: asked.data.get(k) for k in wanted} != wanted:
            raise BadCallback("no contact note pending")
        asking.clear(context, "ct.")
        done = await _record(update, context, data.followup_id, data.channel, result, None)
    else:
        asking.clear(context, "ct.")
        done = await contacts.recorded(context.crm, context.me, data.attempt_id)
    if done is not None:
        text = _done_text(context, done.outcome, data.channel, result)
        await show_done_and_card(update, context, done.card, text)


@asking.answer("ct.note", accepts=asking.TEXT)
async def _answer_note(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The typed note: added to the recorded contact (a question asked before contacts were
    recorded at the result's press registers the contact with it)."""
    data = q.data
    assert update.effective_message is not None
    note = update.effective_message.text or ""
    fid, channel, result = int(data["fu"]), str(data["ch"]), str(data["r"])
    if data.get("at") is None:
        done = await _record(update, context, fid, channel, result, note)
        if done is not None:
            text = _done_text(context, done.outcome, channel, result)
            await show_done_and_card(update, context, done.card, text)
        return True
    card = await contacts.add_note(context.crm, context.me, int(data["at"]), note)
    text = _done_text(context, str(data.get("o") or "registered"), channel, result)
    await show_done_and_card(update, context, card, text)
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
