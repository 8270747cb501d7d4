"""/config (admins): follow-up types and their hours, states, activities and support documents,
shaped from the phone with ``cf:`` buttons and short conversations."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.followups import catalogs
from crm.followups.catalogs import CatalogEntry
from crm.followups.lifecycle import parse_hours
from crm.kernel import paging
from crm.kernel.errors import NotAuthorized
from crm.ley2300.rules import CHANNELS
from handlers import asking, confirm, guard_text, keyboards
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.confirm import repeated_note
from handlers.context import CrmContext

PREFIX = "cf"
PAGE_SIZE = 10
# Typed steps are questions of handlers/asking.py; the meaning/effect pick is buttons only.
CONFIG_NAME, CONFIG_HOURS, CONFIG_CONTENT = ("cf.name", "cf.hours", "cf.content")
FLOW = "cf_flow"
asking.register_flow("cf.", FLOW)


# --- the buttons' data ------------------------------------------------------------------------
# ``kind`` is one of crm.catalogs.KINDS (type, state, activity, document); ``item_id`` the id
# of an entry of that catalog.


@dataclass(frozen=True)
class Menu(CallbackData, prefix=PREFIX, action="menu"):
    """The /config menu: one button per catalog."""


@dataclass(frozen=True)
class ListItems(CallbackData, prefix=PREFIX, action="list"):
    """A page of one catalog's entries."""

    kind: str
    page: int


@dataclass(frozen=True)
class OpenItem(CallbackData, prefix=PREFIX, action="open"):
    """One entry's card (rename, change, deactivate…)."""

    kind: str
    item_id: int


@dataclass(frozen=True)
class Deactivate(CallbackData, prefix=PREFIX, action="off"):
    """Asks to confirm deactivating the entry (refused up front for the last one needed)."""

    kind: str
    item_id: int


@dataclass(frozen=True)
class DeactivateOk(CallbackData, prefix=PREFIX, action="offok"):
    """The confirmation's ✅: deactivate, once for the confirmation's ``token``."""

    kind: str
    item_id: int
    token: str


@dataclass(frozen=True)
class Reactivate(CallbackData, prefix=PREFIX, action="on"):
    kind: str
    item_id: int


@dataclass(frozen=True)
class SetMeaning(CallbackData, prefix=PREFIX, action="mean"):
    """Give the state ``state_id`` another meaning (one of crm.catalogs.MEANINGS)."""

    state_id: int
    meaning: str


@dataclass(frozen=True)
class SetEffect(CallbackData, prefix=PREFIX, action="eff"):
    """Give the activity ``activity_id`` another effect (one of crm.catalogs.EFFECTS)."""

    activity_id: int
    effect: str


@dataclass(frozen=True)
class SetChannel(CallbackData, prefix=PREFIX, action="can"):
    """Say which contact channel the activity ``activity_id`` is (a crm.ley2300 channel, or
    ``none``: not a contact)."""

    activity_id: int
    channel: str


@dataclass(frozen=True)
class NewItem(CallbackData, prefix=PREFIX, action="new"):
    """Starts the conversation that adds an entry to the catalog (asks its name)."""

    kind: str


@dataclass(frozen=True)
class Rename(CallbackData, prefix=PREFIX, action="ren"):
    """Asks the entry's new name."""

    kind: str
    item_id: int


@dataclass(frozen=True)
class ChangeHours(CallbackData, prefix=PREFIX, action="hrs"):
    """Asks a follow-up type's new default hours (``kind`` must be ``type``)."""

    kind: str
    item_id: int


@dataclass(frozen=True)
class ChangeContent(CallbackData, prefix=PREFIX, action="tpl"):
    """Asks a support document's new template or file (``kind`` must be ``document``)."""

    kind: str
    item_id: int


@dataclass(frozen=True)
class PickOption(CallbackData, prefix=PREFIX, action="pick"):
    """In the conversation adding a state or an activity: its meaning or effect, then create
    it."""

    value: str


FlowStart = NewItem | Rename | ChangeHours | ChangeContent


def _kind(value: str) -> str:
    if value not in catalogs.KINDS:
        raise BadCallback("unknown catalog")
    return value


def _menu(context: CrmContext) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [keyboards.button(context.t(f"config.kinds.{k}"), ListItems(k, 0))] for k in catalogs.KINDS
    ]
    return context.t("config.menu"), InlineKeyboardMarkup(rows)


def _detail(context: CrmContext, item: CatalogEntry) -> str:
    if item.kind == "type":
        return context.t("config.hours_value", hours=item.hours)
    if item.kind == "state":
        return context.t(f"config.meaning.{item.meaning}")
    if item.kind == "activity":
        effect = context.t(f"config.effect.{item.effect}")
        if item.channel is None:
            return effect
        return effect + " · " + context.t("config.channel_value", channel=_channel(context, item))
    if item.file_id:
        return context.t("config.doc_file", name=html.escape(item.file_name or ""))
    return context.t("config.doc_template")


def _meaning_label(context: CrmContext, meaning: str) -> str:
    """A meaning button says what it sets ("Significado: cierre")."""
    return context.t("config.b_meaning", meaning=context.t(f"config.meaning.{meaning}"))


def _effect_label(context: CrmContext, effect: str) -> str:
    return context.t("config.b_effect", effect=context.t(f"config.effect.{effect}"))


NO_CHANNEL = "none"


def _channel_word(context: CrmContext, channel: str) -> str:
    if channel == NO_CHANNEL:
        return context.t("config.channel.none")
    return guard_text.channel_name(context, channel)


def _channel(context: CrmContext, item: CatalogEntry) -> str:
    return html.escape(_channel_word(context, item.channel or NO_CHANNEL))


def _channel_rows(context: CrmContext, item: CatalogEntry) -> list[list[Any]]:
    """The activity's contact channel: one button per other choice (three a row)."""
    choices = [c.value for c in CHANNELS if c.value != item.channel]
    if item.channel is not None:
        choices.append(NO_CHANNEL)
    buttons = [
        keyboards.button(
            context.t("config.b_channel", channel=_channel_word(context, c)),
            SetChannel(item.id, c),
        )
        for c in choices
    ]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


async def _render_list(
    context: CrmContext, kind: str, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    items = await catalogs.list_items(context.crm, context.me, kind)
    page, pages = paging.window(len(items), PAGE_SIZE, page)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [context.t("config.list_title", kind=context.t(f"config.kinds.{kind}"))]
    for item in shown:
        mark = "" if item.active else "🚫 "
        lines.append(f"{mark}<b>{html.escape(item.name)}</b> · {_detail(context, item)}")
    if not items:
        lines.append(context.t("config.empty"))
    rows = [[keyboards.button(i.name[:60], OpenItem(kind, i.id))] for i in shown]
    nav = keyboards.pager(page, pages, lambda p: ListItems(kind, p))
    if nav:
        rows.append(nav)
    rows.append(
        [
            keyboards.button(context.t("config.new"), NewItem(kind)),
            keyboards.back("↩", Menu()),
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _render_item(context: CrmContext, item: CatalogEntry) -> tuple[str, InlineKeyboardMarkup]:
    status = context.t("users.active") if item.active else context.t("users.inactive")
    text = context.t(
        "config.item",
        kind=context.t(f"config.kinds.{item.kind}"),
        name=html.escape(item.name),
        detail=_detail(context, item),
        status=status,
    )
    if item.template:
        text += "\n\n<pre>" + html.escape(item.template[:1500]) + "</pre>"
    rows = [[keyboards.button(context.t("config.rename"), Rename(item.kind, item.id))]]
    if item.kind == "type":
        rows.append(
            [keyboards.button(context.t("config.change_hours"), ChangeHours(item.kind, item.id))]
        )
    elif item.kind == "state":
        rows.append(
            [
                keyboards.button(_meaning_label(context, m), SetMeaning(item.id, m))
                for m in catalogs.MEANINGS
                if m != item.meaning
            ]
        )
    elif item.kind == "activity":
        rows.append(
            [
                keyboards.button(_effect_label(context, e), SetEffect(item.id, e))
                for e in catalogs.EFFECTS
                if e != item.effect
            ]
        )
        rows.extend(_channel_rows(context, item))
    else:
        rows.append(
            [
                keyboards.button(
                    context.t("config.change_content"), ChangeContent(item.kind, item.id)
                )
            ]
        )
    if item.active:
        toggle = keyboards.button(context.t("config.deactivate"), Deactivate(item.kind, item.id))
    else:
        toggle = keyboards.button(context.t("config.reactivate"), Reactivate(item.kind, item.id))
    rows.append([toggle])
    rows.append([keyboards.back("↩", ListItems(item.kind, 0))])
    return text, InlineKeyboardMarkup(rows)


async def config(update: Update, context: CrmContext) -> None:
    """The /config menu (admins only)."""
    assert update.effective_message is not None
    if not context.me.is_admin:
        raise NotAuthorized()
    text, markup = _menu(context)
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_button(update: Update, context: CrmContext) -> None:
    """Every ``cf:`` press: navigation and one-press changes edit the pressed message (every
    change is re-checked by its use case); the conversations' presses ask or create."""
    query = update.callback_query
    assert query is not None
    data = parse(query.data, PREFIX)
    if isinstance(data, PickOption):
        # Only inside a conversation an admin started; the use case checks again.
        await got_pick(update, context, data)
        return
    if not context.me.is_admin:
        raise NotAuthorized()
    if isinstance(data, FlowStart):
        await start_flow(update, context, data)
        return
    text, markup = await _screen(context, data)
    await query.answer()
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _screen(context: CrmContext, data: CallbackData) -> tuple[str, InlineKeyboardMarkup]:
    """The message a navigation or one-press change shows."""
    crm, me = context.crm, context.me
    match data:
        case Menu():
            return _menu(context)
        case ListItems():
            return await _render_list(context, _kind(data.kind), data.page)
        case OpenItem():
            item = await catalogs.get_item(crm, me, _kind(data.kind), data.item_id)
            return _render_item(context, item)
        case Deactivate():
            # Deactivating asks first (and is refused up front for the last one needed).
            item = await catalogs.preview_deactivate(crm, me, _kind(data.kind), data.item_id)
            text = context.t("config.confirm_deactivate", name=html.escape(item.name))
            kind, item_id = item.kind, item.id
            markup = await confirm.markup(
                context,
                lambda token: DeactivateOk(kind, item_id, token),
                cancel=OpenItem(kind, item_id),
            )
            return text, markup
        case DeactivateOk():
            done = await catalogs.set_active_once(
                crm, me, _kind(data.kind), data.item_id, False, data.token
            )
            text, markup = _render_item(context, done.item)
            return repeated_note(context, done.repeated) + text, markup
        case Reactivate():
            item = await catalogs.set_active(crm, me, _kind(data.kind), data.item_id, True)
            return _render_item(context, item)
        case SetMeaning():
            item = await catalogs.set_meaning(crm, me, data.state_id, data.meaning)
            return _render_item(context, item)
        case SetEffect():
            item = await catalogs.set_effect(crm, me, data.activity_id, data.effect)
            return _render_item(context, item)
        case SetChannel():
            channel = None if data.channel == NO_CHANNEL else data.channel
            item = await catalogs.set_channel(crm, me, data.activity_id, channel)
            return _render_item(context, item)
    raise BadCallback("unknown action")


# --- conversations: new item, rename, hours, document content -------------------------------


def _flow(context: CrmContext) -> dict[str, Any]:
    flow = context.user_data.get(FLOW) if context.user_data is not None else None
    if not isinstance(flow, dict):
        raise BadCallback("no config flow")
    return flow


async def _remember(update: Update, context: CrmContext, flow: dict[str, Any] | None) -> None:
    """Keep the flow in user_data (the persistence stores it in the database)."""
    assert context.user_data is not None
    if flow is None:
        context.user_data.pop(FLOW, None)
    else:
        context.user_data[FLOW] = flow


async def _ask(update: Update, context: CrmContext, kind: str, prompt: str) -> None:
    await asking.ask(update, context, kind, prompt, what=context.t(f"ask.what.{kind}"), edit=False)


async def start_flow(update: Update, context: CrmContext, data: FlowStart) -> None:
    """➕ Nuevo, Renombrar, Cambiar horas, Cambiar contenido: ask for the first value."""
    query = update.callback_query
    assert query is not None and query.message is not None
    kind = _kind(data.kind)
    flow: dict[str, Any] = {"mode": data.action, "kind": kind}
    kind_label = context.t(f"config.kinds.{kind}")
    if isinstance(data, NewItem):
        prompt, state = context.t("config.ask_name", kind=kind_label), CONFIG_NAME
    else:
        item = await catalogs.get_item(context.crm, context.me, kind, data.item_id)
        flow["id"] = item.id
        name = html.escape(item.name)
        if isinstance(data, Rename):
            prompt, state = context.t("config.ask_rename", name=name), CONFIG_NAME
        elif isinstance(data, ChangeHours) and kind == "type":
            prompt = context.t("config.ask_hours", name=name, hours=item.hours)
            state = CONFIG_HOURS
        elif isinstance(data, ChangeContent) and kind == "document":
            prompt, state = context.t("config.ask_content", name=name), CONFIG_CONTENT
        else:
            raise BadCallback("unknown action")
    await _remember(update, context, flow)
    await _ask(update, context, state, prompt)


async def _done(update: Update, context: CrmContext, item: CatalogEntry) -> bool:
    assert update.effective_chat is not None
    await _remember(update, context, None)
    text, markup = _render_item(context, item)
    await context.bot.send_message(
        update.effective_chat.id,
        context.t("config.saved") + "\n\n" + text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )
    return True


@asking.answer(CONFIG_NAME)
async def got_name(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The typed name: rename now, or go on to the kind's next question."""
    assert update.effective_message is not None and update.effective_message.text is not None
    flow = _flow(context)
    crm, me, kind = context.crm, context.me, flow["kind"]
    typed = update.effective_message.text
    if flow["mode"] == "ren":
        return await _done(
            update, context, await catalogs.rename_item(crm, me, kind, flow["id"], typed)
        )
    flow["name"] = await catalogs.check_name_free(crm, me, kind, typed)
    await _remember(update, context, flow)
    message = update.effective_message
    if kind == "type":
        await _ask(update, context, CONFIG_HOURS, context.t("config.ask_new_hours"))
        return False
    if kind == "document":
        prompt = context.t("config.ask_new_content", limit=catalogs.MAX_TEMPLATE)
        await _ask(update, context, CONFIG_CONTENT, prompt)
        return False
    if kind == "state":
        choices = [(_meaning_label(context, m), m) for m in catalogs.MEANINGS]
    else:
        choices = [(_effect_label(context, e), e) for e in catalogs.EFFECTS]
    markup = InlineKeyboardMarkup(
        [[keyboards.button(label, PickOption(value))] for label, value in choices]
    )
    await message.reply_text(context.t(f"config.ask_pick_{kind}"), reply_markup=markup)
    return True


@asking.answer(CONFIG_HOURS)
async def got_hours(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """Typed hours: create the type, or change its default hours."""
    assert update.effective_message is not None and update.effective_message.text is not None
    flow = _flow(context)
    hours = parse_hours(update.effective_message.text)
    if flow["mode"] == "new":
        item = await catalogs.add_item(context.crm, context.me, "type", flow["name"], hours=hours)
    else:
        item = await catalogs.set_hours(context.crm, context.me, flow["id"], hours)
    return await _done(update, context, item)


async def got_pick(update: Update, context: CrmContext, data: PickOption) -> None:
    """Meaning (state) or effect (activity) chosen: create the item."""
    query = update.callback_query
    assert query is not None
    flow = _flow(context)
    value = data.value
    options: dict[str, Any] = {"meaning": value} if flow["kind"] == "state" else {"effect": value}
    item = await catalogs.add_item(context.crm, context.me, flow["kind"], flow["name"], **options)
    await query.answer()
    await _done(update, context, item)


@asking.answer(CONFIG_CONTENT, accepts=asking.TEXT | asking.DOCUMENT)
async def got_content(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """A template text or an uploaded file for a support document."""
    message = update.effective_message
    assert message is not None
    flow = _flow(context)
    options: dict[str, Any] = {}
    if message.document is not None:
        options = {"file_id": message.document.file_id, "file_name": message.document.file_name}
    else:
        options = {"template": message.text or ""}
    if flow["mode"] == "new":
        item = await catalogs.add_item(
            context.crm, context.me, "document", flow["name"], **options
        )
    else:
        item = await catalogs.set_document_content(context.crm, context.me, flow["id"], **options)
    return await _done(update, context, item)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("config", config))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(PREFIX)))
