"""/config (admins): follow-up types and their hours, states, activities and support documents,
shaped from the phone with ``cf:`` buttons and short conversations."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm import catalogs
from crm.catalogs import CatalogEntry
from crm.errors import NotAuthorized
from crm.followups import parse_hours
from handlers import asking, keyboards
from handlers.callbacks import BadCallback, pack, unpack
from handlers.confirm import confirm_markup, repeated_note
from handlers.context import CrmContext

PREFIX = "cf"
PAGE_SIZE = 10
# Typed steps are questions of handlers/asking.py; the meaning/effect pick is buttons only.
CONFIG_NAME, CONFIG_HOURS, CONFIG_CONTENT = ("cf.name", "cf.hours", "cf.content")
FLOW = "cf_flow"
asking.register_flow("cf.", FLOW)


def _kind(value: str) -> str:
    if value not in catalogs.KINDS:
        raise BadCallback("unknown catalog")
    return value


def _button(label: str, *parts: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack(PREFIX, *map(str, parts)))  # type: ignore[arg-type]


def _menu(context: CrmContext) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[_button(context.t(f"config.kinds.{k}"), "list", k, 0)] for k in catalogs.KINDS]
    return context.t("config.menu"), InlineKeyboardMarkup(rows)


def _detail(context: CrmContext, item: CatalogEntry) -> str:
    if item.kind == "type":
        return context.t("config.hours_value", hours=item.hours)
    if item.kind == "state":
        return context.t(f"config.meaning.{item.meaning}")
    if item.kind == "activity":
        return context.t(f"config.effect.{item.effect}")
    if item.file_id:
        return context.t("config.doc_file", name=html.escape(item.file_name or ""))
    return context.t("config.doc_template")


def _meaning_label(context: CrmContext, meaning: str) -> str:
    """A meaning button says what it sets ("Significado: cierre")."""
    return context.t("config.b_meaning", meaning=context.t(f"config.meaning.{meaning}"))


def _effect_label(context: CrmContext, effect: str) -> str:
    return context.t("config.b_effect", effect=context.t(f"config.effect.{effect}"))


async def _render_list(
    context: CrmContext, kind: str, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    items = await catalogs.list_items(context.crm, context.me, kind)
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [context.t("config.list_title", kind=context.t(f"config.kinds.{kind}"))]
    for item in shown:
        mark = "" if item.active else "🚫 "
        lines.append(f"{mark}<b>{html.escape(item.name)}</b> · {_detail(context, item)}")
    if not items:
        lines.append(context.t("config.empty"))
    rows = [[_button(i.name[:60], "open", kind, i.id)] for i in shown]
    nav = keyboards.pager(page, pages, lambda p: pack(PREFIX, "list", kind, p))
    if nav:
        rows.append(nav)
    rows.append([_button(context.t("config.new"), "new", kind), _button("↩", "menu")])
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
    rows = [[_button(context.t("config.rename"), "ren", item.kind, item.id)]]
    if item.kind == "type":
        rows.append([_button(context.t("config.change_hours"), "hrs", item.kind, item.id)])
    elif item.kind == "state":
        rows.append(
            [
                _button(_meaning_label(context, m), "mean", item.id, m)
                for m in catalogs.MEANINGS
                if m != item.meaning
            ]
        )
    elif item.kind == "activity":
        rows.append(
            [
                _button(_effect_label(context, e), "eff", item.id, e)
                for e in catalogs.EFFECTS
                if e != item.effect
            ]
        )
    else:
        rows.append([_button(context.t("config.change_content"), "tpl", item.kind, item.id)])
    toggle = ("off", "config.deactivate") if item.active else ("on", "config.reactivate")
    rows.append([_button(context.t(toggle[1]), toggle[0], item.kind, item.id)])
    rows.append([_button("↩", "list", item.kind, 0)])
    return text, InlineKeyboardMarkup(rows)


async def config(update: Update, context: CrmContext) -> None:
    """The /config menu (admins only)."""
    assert update.effective_message is not None
    if not context.me.is_admin:
        raise NotAuthorized()
    text, markup = _menu(context)
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_button(update: Update, context: CrmContext) -> None:
    """Navigation and one-press changes; every change is re-checked by its use case."""
    query = update.callback_query
    assert query is not None
    cb = unpack(query.data, PREFIX)
    crm, me = context.crm, context.me
    if not me.is_admin:
        raise NotAuthorized()
    if cb.action == "menu":
        text, markup = _menu(context)
    elif cb.action == "list":
        text, markup = await _render_list(context, _kind(cb.arg(0)), cb.int_arg(1))
    elif cb.action == "open":
        item = await catalogs.get_item(crm, me, _kind(cb.arg(0)), cb.int_arg(1))
        text, markup = _render_item(context, item)
    elif cb.action == "off":
        # Deactivating asks first (and is refused up front for the last one needed).
        item = await catalogs.preview_deactivate(crm, me, _kind(cb.arg(0)), cb.int_arg(1))
        text = context.t("config.confirm_deactivate", name=html.escape(item.name))
        markup = confirm_markup(
            context,
            PREFIX,
            "offok",
            item.kind,
            item.id,
            cancel=pack(PREFIX, "open", item.kind, item.id),
        )
    elif cb.action == "offok":
        done = await catalogs.set_active_once(
            crm, me, _kind(cb.arg(0)), cb.int_arg(1), False, cb.arg(2)
        )
        text, markup = _render_item(context, done.item)
        text = repeated_note(context, done.repeated) + text
    elif cb.action == "on":
        item = await catalogs.set_active(crm, me, _kind(cb.arg(0)), cb.int_arg(1), True)
        text, markup = _render_item(context, item)
    elif cb.action == "mean":
        item = await catalogs.set_meaning(crm, me, cb.int_arg(0), cb.arg(1))
        text, markup = _render_item(context, item)
    elif cb.action == "eff":
        item = await catalogs.set_effect(crm, me, cb.int_arg(0), cb.arg(1))
        text, markup = _render_item(context, item)
    else:
        raise BadCallback("unknown action")
    await query.answer()
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


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


async def start_flow(update: Update, context: CrmContext) -> None:
    """``cf:new|ren|hrs|tpl`` press: ask for the first value."""
    query = update.callback_query
    assert query is not None and query.message is not None
    cb = unpack(query.data, PREFIX)
    if not context.me.is_admin:
        raise NotAuthorized()
    kind = _kind(cb.arg(0))
    flow: dict[str, Any] = {"mode": cb.action, "kind": kind}
    kind_label = context.t(f"config.kinds.{kind}")
    if cb.action == "new":
        prompt, state = context.t("config.ask_name", kind=kind_label), CONFIG_NAME
    else:
        item = await catalogs.get_item(context.crm, context.me, kind, cb.int_arg(1))
        flow["id"] = item.id
        name = html.escape(item.name)
        if cb.action == "ren":
            prompt, state = context.t("config.ask_rename", name=name), CONFIG_NAME
        elif cb.action == "hrs" and kind == "type":
            prompt = context.t("config.ask_hours", name=name, hours=item.hours)
            state = CONFIG_HOURS
        elif cb.action == "tpl" and kind == "document":
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
    markup = InlineKeyboardMarkup([[_button(label, "pick", value)] for label, value in choices])
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


async def got_pick(update: Update, context: CrmContext) -> bool:
    """Meaning (state) or effect (activity) chosen: create the item."""
    query = update.callback_query
    assert query is not None
    cb = unpack(query.data, PREFIX)
    flow = _flow(context)
    value = cb.arg(0)
    options: dict[str, Any] = {"meaning": value} if flow["kind"] == "state" else {"effect": value}
    item = await catalogs.add_item(context.crm, context.me, flow["kind"], flow["name"], **options)
    await query.answer()
    return await _done(update, context, item)


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
    app.add_handler(CallbackQueryHandler(start_flow, pattern=r"^cf:(new|ren|hrs|tpl):"))
    app.add_handler(CallbackQueryHandler(got_pick, pattern=r"^cf:pick:"))
    # Every other cf: press (the flows' own are excluded: order does not matter).
    app.add_handler(
        CallbackQueryHandler(on_button, pattern=r"^cf:(?!(new|ren|hrs|tpl|pick):)")
    )
