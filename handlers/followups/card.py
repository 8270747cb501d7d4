"""The follow-up card (``fu:open:ID``) and every action on it: postpone, close (and
continue), discard, activity, observation, attachment and history.

Menus swap the card's keyboard; typed answers (hours, notes, reasons, files) are questions of
the one pending-question router (``handlers/asking.py``). Mutating buttons carry the version.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from crm.followups import activity as uc_activity
from crm.followups import lifecycle as uc
from crm.followups.new import parse_due, tomorrow_morning
from crm.kernel.errors import AlreadyFinished, InvalidInput, StaleVersion
from crm.kernel.formatting import local_datetime
from crm.kernel.views import FollowUpStatus, FollowUpView
from crm.ley2300.guard import ContactBlocked
from handlers import asking, guard_text
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.context import CrmContext
from handlers.errors import explain
from handlers.followups.buttons import (
    END,
    KEEP,
    PREFIX,
    ActivityMenu,
    ActivityNoNote,
    AskAttachment,
    AskObservation,
    CloseNoNote,
    CloseWithState,
    ContinueInHours,
    ContinueMenu,
    ContinueOtherDate,
    ContinueTomorrow,
    DiscardMenu,
    DiscardWithState,
    DiscardWriteReason,
    History,
    PickActivity,
    PostponeHours,
    PostponeMenu,
    PostponeOther,
    ResendAttachment,
    SetState,
    StateMenu,
)
from handlers.followups.history import _history, _resend
from handlers.followups.render import (
    EFFECT_ICONS,
    _b,
    back_button,
    edit_card,
    edit_stored_card,
    menu,
    query_of,
    send_card,
    short_text,
)
from handlers.links import (
    CloseMenu,
    FollowupCard,
    OpenFollowup,
)

# Question kinds (handlers/asking.py): each is answered by a typed text, or a file.
FU_HOURS = "fu.hours"
FU_CLOSE_NOTE = "fu.close_note"
FU_CONT_DUE = "fu.cont_due"
FU_DISCARD_REASON = "fu.discard_reason"
FU_ACTIVITY_NOTE = "fu.activity_note"
FU_OBSERVATION = "fu.observation"
FU_ATTACH = "fu.attach"
QUESTION_KEYS = {
    FU_HOURS: "fu.ask_hours",
    FU_CLOSE_NOTE: "fu.ask_close_note",
    FU_CONT_DUE: "fu.ask_cont_due",
    FU_DISCARD_REASON: "fu.ask_discard_reason",
    FU_ACTIVITY_NOTE: "fu.ask_activity_note",
    FU_OBSERVATION: "fu.ask_observation",
    FU_ATTACH: "fu.ask_attach",
}


# --- presses ---------------------------------------------------------------------------------

Action = Callable[[Update, CrmContext, Any], Awaitable[object]]


async def _open(update: Update, context: CrmContext, data: OpenFollowup) -> object:
    card = await uc.get_followup(context.crm, context.me, data.followup_id)
    message = query_of(update).message
    assert message is not None
    await send_card(message, card, context)
    await query_of(update).answer()
    return KEEP


async def _card(update: Update, context: CrmContext, data: FollowupCard) -> object:
    card = await uc.get_followup(context.crm, context.me, data.followup_id)
    await edit_card(update, context, card)
    await query_of(update).answer()
    return END


async def _postpone_menu(update: Update, context: CrmContext, data: PostponeMenu) -> object:
    fid, v = data.followup_id, data.version
    card = await uc.get_active_followup(context.crm, context.me, fid, v)
    choices = [1, 4, 24]
    row = [_b(f"+{h} h", PostponeHours(fid, v, h)) for h in choices]
    rows = [row]
    if card.type_hours not in choices:
        label = context.t(
            "fu.b_type_hours", hours=card.type_hours, type=short_text(card.type_name, 24)
        )
        rows.append([_b(label, PostponeHours(fid, v, card.type_hours))])
    rows.append([_b(context.t("fu.b_other"), PostponeOther(fid, v))])
    await query_of(update).edit_message_reply_markup(menu(rows, back_button(context, fid)))
    await query_of(update).answer()
    return KEEP


async def _postpone_hours(update: Update, context: CrmContext, data: PostponeHours) -> object:
    card = await uc.postpone(
        context.crm, context.me, data.followup_id, data.hours, expected_version=data.version
    )
    await edit_card(update, context, card)
    await query_of(update).answer(_done_postponed(card, context))
    return END


def _done_postponed(card: FollowUpView, context: CrmContext) -> str:
    return context.t("fu.done_postponed", due=local_datetime(card.due_at, context.crm.tz))


async def _ask(
    update: Update,
    context: CrmContext,
    step: str,
    fid: int,
    question: str,
    buttons: list[list[InlineKeyboardButton]] | None = None,
    **extra: Any,
) -> object:
    """Turn the card into a question and wait for the typed answer (replacing any other)."""
    rows = [*(buttons or []), [back_button(context, fid)]]
    await asking.ask(
        update,
        context,
        step,
        question,
        data={"id": fid, **extra},
        buttons=rows,
        what=context.t(f"ask.what.{step}", id=fid),
        redrawn=True,  # the answer redraws the card on the prompt's message
    )
    return step


async def _postpone_other(update: Update, context: CrmContext, data: PostponeOther) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    return await _ask(update, context, FU_HOURS, fid, context.t("fu.ask_hours", id=fid), v=v)


async def _close_menu(update: Update, context: CrmContext, data: CloseMenu) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    states = await uc.list_states(context.crm, "closed")
    rows = [[_b("✅ " + s.name, CloseWithState(fid, v, s.id))] for s in states]
    await query_of(update).edit_message_reply_markup(menu(rows, back_button(context, fid)))
    await query_of(update).answer(context.t("fu.pick_close_state"))
    return KEEP


async def _close_state(update: Update, context: CrmContext, data: CloseWithState) -> object:
    fid, v, state = data.followup_id, data.version, data.state_id
    await uc.get_active_followup(context.crm, context.me, fid, v)
    no_note = [[_b(context.t("fu.b_no_note"), CloseNoNote(fid, v, state))]]
    question = context.t("fu.ask_close_note", id=fid)
    return await _ask(update, context, FU_CLOSE_NOTE, fid, question, no_note, v=v, state=state)


async def _close_no_note(update: Update, context: CrmContext, data: CloseNoNote) -> object:
    card = await uc.close(
        context.crm,
        context.me,
        data.followup_id,
        data.state_id,
        None,
        expected_version=data.version,
    )
    await edit_card(update, context, card)
    await query_of(update).answer(context.t("fu.done_closed"))
    return END


async def _state_menu(update: Update, context: CrmContext, data: StateMenu) -> object:
    """The open-meaning states to move the follow-up to, without closing it."""
    fid, v = data.followup_id, data.version
    card = await uc.get_active_followup(context.crm, context.me, fid, v)
    states = [s for s in await uc.list_states(context.crm, "open") if s.name != card.state]
    rows = [[_b("🏷 " + s.name, SetState(fid, v, s.id))] for s in states]
    await query_of(update).edit_message_reply_markup(menu(rows, back_button(context, fid)))
    await query_of(update).answer(
        context.t("fu.pick_state") if states else context.t("fu.no_open_states")
    )
    return KEEP


async def _state_set(update: Update, context: CrmContext, data: SetState) -> object:
    card = await uc.set_state(
        context.crm, context.me, data.followup_id, data.state_id, expected_version=data.version
    )
    await edit_card(update, context, card)
    await query_of(update).answer(context.t("fu.done_state", state=card.state or ""))
    return END


async def _continue_menu(update: Update, context: CrmContext, data: ContinueMenu) -> object:
    fid = data.followup_id
    card = await uc.get_followup(context.crm, context.me, fid)
    if card.status != FollowUpStatus.CLOSED:
        raise InvalidInput("error.continue_needs_closed")
    if card.continued_by is not None:
        # An old card's Continuar: say where the lineage goes on and redraw without it.
        await edit_card(update, context, card)
        await query_of(update).answer(
            context.t("error.already_continued", id=card.continued_by), show_alert=True
        )
        return END
    hours = sorted({card.type_hours, 24})
    rows = [[_b(context.t("fu.b_cont_hours", hours=h), ContinueInHours(fid, h)) for h in hours]]
    rows.append([_b(context.t("fu.b_tomorrow"), ContinueTomorrow(fid))])
    rows.append([_b(context.t("fu.b_other_date"), ContinueOtherDate(fid))])
    await query_of(update).edit_message_reply_markup(menu(rows, back_button(context, fid)))
    await query_of(update).answer(context.t("fu.pick_continue_due"))
    return KEEP


async def _continue_hours(update: Update, context: CrmContext, data: ContinueInHours) -> object:
    child = await uc.continue_followup(context.crm, context.me, data.followup_id, hours=data.hours)
    return await _continued(update, context, child)


async def _continue_tomorrow(
    update: Update, context: CrmContext, data: ContinueTomorrow
) -> object:
    due = tomorrow_morning(context.crm.now(), context.crm.tz)
    child = await uc.continue_followup(context.crm, context.me, data.followup_id, due_at=due)
    return await _continued(update, context, child)


async def _continued(update: Update, context: CrmContext, child: FollowUpView) -> object:
    await edit_card(update, context, child)
    await query_of(update).answer(_done_continued(child, context))
    return END


def _done_continued(child: FollowUpView, context: CrmContext) -> str:
    return context.t(
        "fu.done_continued", id=child.id, due=local_datetime(child.due_at, context.crm.tz)
    )


async def _continue_typed(update: Update, context: CrmContext, data: ContinueOtherDate) -> object:
    fid = data.followup_id
    card = await uc.get_followup(context.crm, context.me, fid)
    if card.status != FollowUpStatus.CLOSED:
        raise InvalidInput("error.continue_needs_closed")
    return await _ask(update, context, FU_CONT_DUE, fid, context.t("fu.ask_cont_due", id=fid))


async def _discard_menu(update: Update, context: CrmContext, data: DiscardMenu) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    states = await uc.list_states(context.crm, "discarded")
    rows = [[_b("🗑 " + s.name, DiscardWithState(fid, v, s.id))] for s in states]
    rows.append([_b(context.t("fu.b_write_reason"), DiscardWriteReason(fid, v))])
    await query_of(update).edit_message_reply_markup(menu(rows, back_button(context, fid)))
    await query_of(update).answer(context.t("fu.pick_discard"))
    return KEEP


async def _discard_state(update: Update, context: CrmContext, data: DiscardWithState) -> object:
    card = await uc.discard(
        context.crm,
        context.me,
        data.followup_id,
        state_id=data.state_id,
        expected_version=data.version,
    )
    await edit_card(update, context, card)
    await query_of(update).answer(context.t("fu.done_discarded"))
    return END


async def _discard_typed(update: Update, context: CrmContext, data: DiscardWriteReason) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    question = context.t("fu.ask_discard_reason", id=fid)
    return await _ask(update, context, FU_DISCARD_REASON, fid, question, v=v)


async def _activity_menu(update: Update, context: CrmContext, data: ActivityMenu) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    rows = [
        [
            _b(
                f"{EFFECT_ICONS.get(a.kind, '')} {a.name} · {context.t(f'fu.effect_{a.kind}')}",
                PickActivity(fid, v, a.id),
            )
        ]
        for a in await uc.list_activities(context.crm)
    ]
    await query_of(update).edit_message_reply_markup(menu(rows, back_button(context, fid)))
    await query_of(update).answer(context.t("fu.pick_activity"))
    return KEEP


async def _activity_chosen(update: Update, context: CrmContext, data: PickActivity) -> object:
    """The activity is recorded at the pick (a contact activity through the Ley 2300 guard:
    refused, the card says why); the optional note is then asked for and added to it."""
    fid, v, activity = data.followup_id, data.version, data.activity_id
    done = await _record_activity(update, context, fid, v, activity)
    if done is None:
        return END
    version = done.card.version
    no_note = [
        [_b(context.t("fu.b_no_note"), ActivityNoNote(fid, version, activity, done.event_id))]
    ]
    question = context.t("fu.activity_recorded_ask_note", id=fid)
    return await _ask(
        update,
        context,
        FU_ACTIVITY_NOTE,
        fid,
        question,
        no_note,
        v=version,
        activity=activity,
        event=done.event_id,
    )


async def _record_activity(
    update: Update, context: CrmContext, fid: int, v: int | None, activity: int
) -> uc_activity.ActivityOutcome | None:
    try:
        return await uc_activity.record_activity(
            context.crm, context.me, fid, activity, expected_version=v
        )
    except ContactBlocked as blocked:
        await query_of(update).edit_message_text(
            guard_text.refused(context, blocked, "activity"),
            parse_mode=ParseMode.HTML,
            reply_markup=menu([], back_button(context, fid)),
        )
        await query_of(update).answer()
        return None


async def _activity_no_note(update: Update, context: CrmContext, data: ActivityNoNote) -> object:
    """«Sin nota»: the card again (the activity is already recorded)."""
    fid = data.followup_id
    if data.event_id is None:
        done = await _record_activity(update, context, fid, data.version, data.activity_id)
        if done is None:
            return END
        card = done.card
    else:
        asking.clear(context, FU_ACTIVITY_NOTE)
        card = await uc.get_followup(context.crm, context.me, fid)
    await edit_card(update, context, card)
    await query_of(update).answer(context.t("fu.done_activity"))
    return END


async def _observation(update: Update, context: CrmContext, data: AskObservation) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    question = context.t("fu.ask_observation", id=fid, limit=uc.MAX_NOTE)
    return await _ask(update, context, FU_OBSERVATION, fid, question, v=v)


async def _attach(update: Update, context: CrmContext, data: AskAttachment) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    return await _ask(update, context, FU_ATTACH, fid, context.t("fu.ask_attach", id=fid), v=v)


ACTIONS: dict[type[CallbackData], Action] = {
    OpenFollowup: _open,
    FollowupCard: _card,
    PostponeMenu: _postpone_menu,
    PostponeHours: _postpone_hours,
    PostponeOther: _postpone_other,
    CloseMenu: _close_menu,
    CloseWithState: _close_state,
    CloseNoNote: _close_no_note,
    StateMenu: _state_menu,
    SetState: _state_set,
    ContinueMenu: _continue_menu,
    ContinueInHours: _continue_hours,
    ContinueTomorrow: _continue_tomorrow,
    ContinueOtherDate: _continue_typed,
    DiscardMenu: _discard_menu,
    DiscardWithState: _discard_state,
    DiscardWriteReason: _discard_typed,
    ActivityMenu: _activity_menu,
    PickActivity: _activity_chosen,
    ActivityNoNote: _activity_no_note,
    AskObservation: _observation,
    AskAttachment: _attach,
    History: _history,
    ResendAttachment: _resend,
}


async def on_press(update: Update, context: CrmContext) -> object:
    """Every ``fu:`` press: re-load, re-check, act, redraw; returns the next step."""
    query = query_of(update)
    data = parse(query.data, PREFIX)
    action = ACTIONS.get(type(data))
    if action is None:
        raise BadCallback("unknown follow-up action")
    before = asking.pending(context)
    try:
        step = await action(update, context, data)
    except (StaleVersion, AlreadyFinished) as exc:
        # Nothing changed: say why and show the follow-up as it is now (every button but
        # the attachment re-send is about one follow-up).
        followup_id = getattr(data, "followup_id", None)
        if not isinstance(followup_id, int):
            raise
        await query.answer(context.t(exc.key), show_alert=True)
        card = await uc.get_followup(context.crm, context.me, followup_id)
        await edit_card(update, context, card)
        step = END
    # A press on the prompt's own message (back, «Sin nota», a refused stale version) ends
    # that question; a press that asked a new question already replaced it.
    message = query.message
    on_prompt = (
        before is not None
        and isinstance(message, Message)
        and before.message_id == message.message_id
    )
    if step == END and before is not None and on_prompt:
        asking.clear(context, token=before.token)
    return step


# --- typed answers ---------------------------------------------------------------------------


def _question(context: CrmContext, q: asking.Question) -> str:
    return context.t(QUESTION_KEYS[q.kind], id=q.data["id"], limit=uc.MAX_NOTE)


async def _again(update: Update, context: CrmContext, error: str, q: asking.Question) -> bool:
    """Explain what was wrong and ask the same question again; it stays pending."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        f"{error}\n\n{_question(context, q)}",
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[asking.cancel_button(context)]]),
    )
    return False


def _pending_of(q: asking.Question) -> dict[str, Any]:
    return {"chat": q.chat_id, "msg": q.message_id, "id": q.data["id"]}


async def _typed(
    update: Update,
    context: CrmContext,
    q: asking.Question,
    act: Callable[[dict[str, Any]], Awaitable[Any]],
) -> bool:
    assert update.effective_message is not None
    pending = _pending_of(q)
    try:
        card, done = await act(q.data)
    except InvalidInput as exc:
        return await _again(update, context, explain(context, exc), q)
    except (StaleVersion, AlreadyFinished) as exc:
        await update.effective_message.reply_text(context.t(exc.key))
        card = await uc.get_followup(context.crm, context.me, q.data["id"])
        await edit_stored_card(update, context, card, pending)
        return True
    await edit_stored_card(update, context, card, pending)
    await update.effective_message.reply_text(done, parse_mode=ParseMode.HTML)
    return True


async def _text_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The typed answer of a card question (hours, note, reason, observation, date)."""
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    crm, me = context.crm, context.me

    async def act(p: dict[str, Any]) -> tuple[FollowUpView, str]:
        step, fid, v = q.kind, p["id"], p.get("v")
        if step == FU_HOURS:
            card = await uc.postpone(crm, me, fid, uc.parse_hours(text), expected_version=v)
            return card, _done_postponed(card, context)
        if step == FU_CLOSE_NOTE:
            card = await uc.close(crm, me, fid, p["state"], text, expected_version=v)
            return card, context.t("fu.done_closed")
        if step == FU_DISCARD_REASON:
            if not text.strip():
                raise InvalidInput("error.discard_reason_required")
            card = await uc.discard(crm, me, fid, reason=text, expected_version=v)
            return card, context.t("fu.done_discarded")
        if step == FU_ACTIVITY_NOTE:
            if p.get("event") is not None:
                card = await uc_activity.add_activity_note(crm, me, fid, int(p["event"]), text)
            else:  # asked before activities were recorded at the pick
                card = await uc_activity.log_activity(
                    crm, me, fid, p["activity"], text, expected_version=v
                )
            return card, context.t("fu.done_activity")
        if step == FU_OBSERVATION:
            card = await uc_activity.add_observation(crm, me, fid, text, expected_version=v)
            return card, context.t("fu.done_observation")
        due = parse_due(text, crm.now(), crm.tz)
        child = await uc.continue_followup(crm, me, fid, due_at=due)
        return child, _done_continued(child, context)

    return await _typed(update, context, q, act)


for _kind in (
    FU_HOURS,
    FU_CLOSE_NOTE,
    FU_CONT_DUE,
    FU_DISCARD_REASON,
    FU_ACTIVITY_NOTE,
    FU_OBSERVATION,
):
    asking.answer(_kind, accepts=asking.TEXT)(_text_answer)


@asking.answer(FU_ATTACH, accepts=asking.MEDIA)
async def _attachment_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """A photo, document or location sent while the card waits for an attachment."""
    message = update.effective_message
    assert message is not None

    async def act(p: dict[str, Any]) -> tuple[FollowUpView, str]:
        kwargs: dict[str, Any]
        if message.photo:
            kwargs = {"kind": "photo", "file_id": message.photo[-1].file_id}
        elif message.document:
            kwargs = {
                "kind": "document",
                "file_id": message.document.file_id,
                "file_name": message.document.file_name,
            }
        elif message.location:
            kwargs = {
                "kind": "location",
                "latitude": message.location.latitude,
                "longitude": message.location.longitude,
            }
        else:
            raise InvalidInput("error.bad_attachment")
        card = await uc_activity.attach(
            context.crm,
            context.me,
            p["id"],
            caption=message.caption,
            expected_version=p.get("v"),
            **kwargs,
        )
        return card, context.t("fu.done_attachment")

    return await _typed(update, context, q, act)


# --- wiring ----------------------------------------------------------------------------------


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_press, pattern=pattern(PREFIX)))
