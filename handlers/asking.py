"""One pending question per user, and one router for everything the user sends.

Every prompt that waits for typed text, a photo, a document or a location goes through
:func:`ask`, which *replaces* whatever question the user had pending: the replaced prompt is
edited to say it was left and loses its buttons. The router (:func:`route`) hands the next
message to the newest question and nowhere else. The question is one JSON record in
``context.user_data`` (persisted in the database, written through per update when several
webhook instances run), so it survives restarts and moves between instances with public PTB
APIs only — no ConversationHandler.

A module registers the answer of each of its question kinds once, at import time::

    @asking.answer("fu.observation", accepts=asking.TEXT)
    async def _observation(update, context, question) -> bool: ...

The answer returns True when the question is answered (it is cleared) and False to keep it
pending (after replying what was wrong). A CrmError raised by the answer keeps the question
too; the error handler explains it.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Flag, auto
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers.callbacks import CallbackData
from handlers.context import CrmContext

KEY = "ask"  # context.user_data key of the pending question
HINT_KEY = "hint_at"  # when the last "nothing is waiting for that" hint was sent
PREFIX = "ask"
TIMEOUT = timedelta(minutes=15)
HINT_EVERY_SECONDS = 60
MAX_PROMPT_CHARS = 3500  # what is kept of the prompt to edit it later (Telegram: 4096)
GROUP = -1  # runs right after the access gate (group -2)
_tokens = itertools.count(int(time.time() * 1000))


class Accepts(Flag):
    TEXT = auto()
    PHOTO = auto()
    DOCUMENT = auto()
    LOCATION = auto()


TEXT = Accepts.TEXT
PHOTO = Accepts.PHOTO
DOCUMENT = Accepts.DOCUMENT
LOCATION = Accepts.LOCATION
MEDIA = PHOTO | DOCUMENT | LOCATION


# --- the buttons' data -----------------------------------------------------------------------


@dataclass(frozen=True)
class CancelQuestion(CallbackData, prefix=PREFIX, action="x"):
    """The ✖ Cancelar of every prompt: forgets the pending question (and its flow)."""


@dataclass(frozen=True)
class Question:
    """The pending question, as stored in user_data."""

    kind: str
    data: dict[str, Any]
    chat_id: int
    message_id: int | None
    asked_at: datetime
    token: int
    what: str = ""
    prompt: str = ""
    reply_keyboard: bool = False
    user_id: int | None = None
    lang: str = "es"
    # The answer redraws the prompt's message itself (a card turned into a question).
    redrawn: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "data": self.data,
            "chat": self.chat_id,
            "msg": self.message_id,
            "at": self.asked_at.isoformat(),
            "token": self.token,
            "what": self.what,
            "prompt": self.prompt,
            "reply_kb": self.reply_keyboard,
            "user": self.user_id,
            "lang": self.lang,
            "redrawn": self.redrawn,
        }

    @classmethod
    def from_json(cls, raw: object) -> Question | None:
        if not isinstance(raw, dict):
            return None
        try:
            return cls(
                kind=str(raw["kind"]),
                data=dict(raw.get("data") or {}),
                chat_id=int(raw["chat"]),
                message_id=int(raw["msg"]) if raw.get("msg") is not None else None,
                asked_at=datetime.fromisoformat(str(raw["at"])),
                token=int(raw.get("token") or 0),
                what=str(raw.get("what") or ""),
                prompt=str(raw.get("prompt") or ""),
                reply_keyboard=bool(raw.get("reply_kb")),
                user_id=int(raw["user"]) if raw.get("user") is not None else None,
                lang=str(raw.get("lang") or "es"),
                redrawn=bool(raw.get("redrawn")),
            )
        except (KeyError, TypeError, ValueError):
            return None


Answer = Callable[[Update, CrmContext, Question], Awaitable[bool]]
_ANSWERS: dict[str, tuple[Accepts, Answer]] = {}


def answer(kind: str, accepts: Accepts = TEXT) -> Callable[[Answer], Answer]:
    """Register the answer of question ``kind`` (once per kind, at import time)."""

    def register(function: Answer) -> Answer:
        if kind in _ANSWERS and _ANSWERS[kind][1] is not function:
            raise RuntimeError(f"question kind {kind!r} registered twice")
        _ANSWERS[kind] = (accepts, function)
        return function

    return register


# --- the record ------------------------------------------------------------------------------


def pending(context: CrmContext, prefix: str = "") -> Question | None:
    """The user's pending question (of a kind starting with ``prefix``), if any."""
    if context.user_data is None:
        return None
    question = Question.from_json(context.user_data.get(KEY))
    if question is None or not question.kind.startswith(prefix):
        return None
    return question


def _now(context: CrmContext) -> datetime:
    return context.crm.now().astimezone(UTC)


def expired(context: CrmContext, question: Question) -> bool:
    return _now(context) - question.asked_at >= TIMEOUT


def clear(context: CrmContext, prefix: str = "", token: int | None = None) -> Question | None:
    """Forget the pending question (only one of ``prefix`` / with ``token``, when given),
    without touching its message. Returns what was dropped."""
    question = pending(context, prefix)
    if question is None or (token is not None and question.token != token):
        return None
    assert context.user_data is not None
    context.user_data.pop(KEY, None)
    _cancel_timeout(context, question.user_id)
    return question


def cancel_button(context: CrmContext) -> InlineKeyboardButton:
    return InlineKeyboardButton(context.t("ask.b_cancel"), callback_data=CancelQuestion().pack())


def _clip(text: str) -> str:
    return text if len(text) <= MAX_PROMPT_CHARS else text[:MAX_PROMPT_CHARS] + "…"


async def ask(
    update: Update,
    context: CrmContext,
    kind: str,
    text: str,
    *,
    data: dict[str, Any] | None = None,
    buttons: list[list[InlineKeyboardButton]] | None = None,
    what: str = "",
    location: bool = False,
    edit: bool = True,
    redrawn: bool = False,
) -> Question:
    """Ask ``text`` and make it the user's one pending question (replacing any other).

    A button press edits the pressed message into the prompt (``edit=False`` sends a new
    one); a typed message gets a new message. ``location=True`` sends a new message with a
    one-tap "share location" reply keyboard. ``redrawn``: the answer redraws the prompt's
    message itself (otherwise its buttons are taken away once answered).
    """
    if kind not in _ANSWERS:
        raise RuntimeError(f"no answer registered for question kind {kind!r}")
    chat = update.effective_chat
    assert chat is not None and context.user_data is not None
    query = update.callback_query
    target: Message | None = None
    if edit and not location and query is not None and isinstance(query.message, Message):
        target = query.message
    previous = pending(context)
    rows = [*(buttons or []), [cancel_button(context)]]
    reply_keyboard = False
    if query is not None and target is None:
        # A new message answers the press: stop the button's spinner first.
        with contextlib.suppress(BadRequest):
            await query.answer()
    if location:
        keyboard = ReplyKeyboardMarkup(
            [
                [KeyboardButton(context.t("ask.b_share_location"), request_location=True)],
                [KeyboardButton(context.t("ask.b_cancel"))],
            ],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
        sent = await context.bot.send_message(
            chat.id, text, parse_mode=ParseMode.HTML, reply_markup=keyboard
        )
        message_id: int | None = sent.message_id
        reply_keyboard = True
    elif target is not None:
        assert query is not None
        await query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
        )
        message_id = target.message_id
    else:
        sent = await context.bot.send_message(
            chat.id, text, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
        )
        message_id = sent.message_id
    if query is not None and target is not None:
        with contextlib.suppress(BadRequest):
            await query.answer()
    question = Question(
        kind=kind,
        data=data or {},
        chat_id=chat.id,
        message_id=message_id,
        asked_at=_now(context),
        token=next(_tokens),
        what=what,
        prompt=_clip(text),
        reply_keyboard=reply_keyboard,
        user_id=update.effective_user.id if update.effective_user else None,
        lang=context.lang,
        redrawn=redrawn,
    )
    context.user_data[KEY] = question.to_json()
    _schedule_timeout(context, question)
    # A question asked again (e.g. new search results) just loses its buttons; any other
    # says it was left. The one being answered was already closed by the router.
    if (
        previous is not None
        and previous.message_id != message_id
        and previous.token != context.answering
    ):
        same = previous.kind == kind
        if not (same and previous.redrawn):
            await _close_prompt(context, previous, None if same else "ask.left")
    return question


async def leave(
    context: CrmContext, note_key: str, *, keep_message: int | None = None
) -> Question | None:
    """Drop the pending question and edit its prompt to say so (``note_key``), without
    buttons. ``keep_message``: a message about to be reused for something else."""
    question = clear(context)
    if question is None:
        return None
    await _close_prompt(context, question, note_key, keep_message)
    return question


async def _close_prompt(
    context: CrmContext, question: Question, note_key: str | None, keep_message: int | None = None
) -> None:
    """Take the prompt's buttons away and, with ``note_key``, say why under its text."""
    if note_key is None:
        if question.message_id is not None and not question.reply_keyboard:
            with contextlib.suppress(BadRequest, Forbidden):
                await context.bot.edit_message_reply_markup(
                    chat_id=question.chat_id, message_id=question.message_id, reply_markup=None
                )
        return
    note = context.t(note_key, what=html.escape(question.what) if question.what else "")
    if question.reply_keyboard:
        # A reply keyboard can only be removed by a new message.
        with contextlib.suppress(BadRequest, Forbidden):
            await context.bot.send_message(
                question.chat_id, note, parse_mode=ParseMode.HTML, reply_markup=REMOVE
            )
        return
    if question.message_id is None or question.message_id == keep_message:
        return
    text = f"{question.prompt}\n\n{note}" if question.prompt else note
    # Too old, deleted or unchanged: nothing to edit, the record is gone anyway.
    with contextlib.suppress(BadRequest, Forbidden):
        await context.bot.edit_message_text(
            text,
            chat_id=question.chat_id,
            message_id=question.message_id,
            parse_mode=ParseMode.HTML,
            reply_markup=None,
        )


REMOVE = ReplyKeyboardRemove()


async def finish(context: CrmContext, question: Question) -> None:
    """After a location prompt's answer: take the share-location keyboard away."""
    if question.reply_keyboard:
        with contextlib.suppress(BadRequest, Forbidden):
            await context.bot.send_message(
                question.chat_id, context.t("ask.thanks"), reply_markup=REMOVE
            )


# --- timeout ---------------------------------------------------------------------------------


def _job_name(user_id: int) -> str:
    return f"ask-timeout:{user_id}"


def _schedule_timeout(context: CrmContext, question: Question) -> None:
    queue = context.application.job_queue
    if queue is None or question.user_id is None:
        return
    _cancel_timeout(context, question.user_id)
    queue.run_once(
        _timed_out,  # type: ignore[arg-type]
        TIMEOUT,
        data=question.token,
        name=_job_name(question.user_id),
        chat_id=question.chat_id,
        user_id=question.user_id,
    )


def _cancel_timeout(context: CrmContext, user_id: int | None) -> None:
    queue = context.application.job_queue
    if queue is None or user_id is None:
        return
    for job in queue.get_jobs_by_name(_job_name(user_id)):
        job.schedule_removal()


async def _timed_out(context: CrmContext) -> None:
    """15 idle minutes: drop the question (if it is still the one asked) and say so."""
    job = context.job
    assert job is not None
    question = pending(context)
    if question is None or question.token != job.data:
        return
    context.lang = question.lang  # jobs do not pass the access gate that sets it
    await expire(context, question)


async def expire(context: CrmContext, question: Question) -> None:
    clear(context, token=question.token)
    _drop_flows(context, question)
    await _close_prompt(context, question, "ask.expired_note")
    with contextlib.suppress(BadRequest, Forbidden):
        await context.bot.send_message(question.chat_id, context.t("conversation.timeout"))


# --- handlers --------------------------------------------------------------------------------


def _accepted(message: Message) -> Accepts | None:
    if message.location is not None or message.venue is not None:
        return LOCATION
    if message.photo:
        return PHOTO
    if message.document is not None:
        return DOCUMENT
    if message.text is not None:
        return TEXT
    return None


def _need_key(accepts: Accepts) -> str:
    if accepts & TEXT:
        return "ask.need_text"
    if accepts == LOCATION:
        return "ask.need_location"
    if accepts == PHOTO:
        return "ask.need_photo"
    return "ask.need_media"


async def route(update: Update, context: CrmContext) -> None:
    """Every non-command message: the answer of the pending question, or a short hint."""
    message = update.effective_message
    assert message is not None
    question = pending(context)
    if question is not None and expired(context, question):
        await expire(context, question)
        return
    if question is None or question.kind not in _ANSWERS:
        clear(context)
        await _hint(update, context)
        return
    if question.reply_keyboard and message.text == context.t("ask.b_cancel"):
        await cancel_command(update, context)
        return
    accepts, function = _ANSWERS[question.kind]
    got = _accepted(message)
    if got is None or not (got & accepts):
        reminder = f"\n\n{question.prompt}" if question.prompt else ""
        await message.reply_text(context.t(_need_key(accepts)) + reminder, parse_mode="HTML")
        return
    if not question.redrawn and not question.reply_keyboard:
        # The prompt's buttons go as the answer arrives (a card prompt is redrawn instead;
        # a wrong answer is asked again with its own ✖ Cancelar).
        await _close_prompt(context, question, None)
    context.answering = question.token
    try:
        done = await function(update, context, question)
    finally:
        context.answering = None
    if done and clear(context, token=question.token) is not None and question.reply_keyboard:
        await finish(context, question)


async def _hint(update: Update, context: CrmContext) -> None:
    """Text (or a photo…) that nothing waits for: say what to do, at most once a minute."""
    assert context.user_data is not None and update.effective_message is not None
    now = _now(context).timestamp()
    last = context.user_data.get(HINT_KEY)
    if isinstance(last, int | float) and now - last < HINT_EVERY_SECONDS:
        return
    context.user_data[HINT_KEY] = now
    message = update.effective_message
    key = "ask.hint_media" if (message.photo or message.document) else "ask.hint"
    await message.reply_text(context.t(key), parse_mode=ParseMode.HTML)


async def cancel_command(update: Update, context: CrmContext) -> None:
    """/cancelar (or the ✖ Cancelar of a reply keyboard): say what was cancelled."""
    assert update.effective_message is not None
    question = pending(context)
    extra = _drop_flows(context, question)
    if question is None and not extra:
        await update.effective_message.reply_text(context.t("cancel.nothing"))
        return
    if question is not None:
        clear(context)
        if not question.reply_keyboard:  # the reply below removes that keyboard
            await _close_prompt(context, question, "ask.cancelled_note")
    what = question.what if question is not None and question.what else ""
    text = context.t("ask.cancelled", what=html.escape(what)) if what else context.t("cancel.done")
    await update.effective_message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=REMOVE if _had_keyboard(question) else None
    )


def _had_keyboard(question: Question | None) -> bool:
    return question is not None and question.reply_keyboard


async def cancel_pressed(update: Update, context: CrmContext) -> None:
    """The ✖ Cancelar button of a prompt."""
    query = update.callback_query
    assert query is not None
    CancelQuestion.unpack(query.data)
    question = pending(context)
    if question is None or (
        isinstance(query.message, Message) and question.message_id != query.message.message_id
    ):
        # An old prompt: it was already left; just take its buttons away.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(None)
        await query.answer(context.t("ask.already_left"))
        return
    clear(context)
    _drop_flows(context, question)
    await _close_prompt(context, question, "ask.cancelled_note")
    await query.answer(
        context.t("ask.cancelled_short", what=question.what)
        if question.what
        else context.t("cancel.done")
    )


# Multi-step flows keep their own answers beside the question (e.g. /nuevo's "nv"), by the
# prefix of their question kinds. Cancelling or expiring one of their questions forgets them;
# /cancelar with no question pending forgets every half-made flow (a button-only step).
FLOWS: dict[str, str] = {}


def register_flow(prefix: str, key: str) -> None:
    FLOWS[prefix] = key


def _drop_flows(context: CrmContext, question: Question | None = None) -> bool:
    assert context.user_data is not None
    dropped = False
    for prefix, key in FLOWS.items():
        if question is not None and not question.kind.startswith(prefix):
            continue
        if context.user_data.pop(key, None) is not None:
            dropped = True
    return dropped


async def command_leaves_question(update: Update, context: CrmContext) -> None:
    """Any command in the middle of a question leaves that question (/cancelar says so)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0].lower()
    if command == "/cancelar":
        return
    question = pending(context)
    if question is not None:
        await leave(context, "ask.left")


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The pre-handler (group -1), the cancel handlers and the router (group 0, last)."""
    app.add_handler(MessageHandler(filters.COMMAND, command_leaves_question), group=GROUP)
    app.add_handler(CommandHandler("cancelar", cancel_command))
    app.add_handler(CallbackQueryHandler(cancel_pressed, pattern=CancelQuestion.pattern()))


def register_router(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(~filters.COMMAND & ~filters.StatusUpdate.ALL, route))


__all__ = [
    "DOCUMENT",
    "LOCATION",
    "MEDIA",
    "PHOTO",
    "TEXT",
    "Accepts",
    "Question",
    "answer",
    "ask",
    "clear",
    "finish",
    "leave",
    "pending",
    "register",
    "register_router",
]
