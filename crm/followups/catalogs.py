"""Catalogs an admin shapes: follow-up types (with their "Parámetros" hours), states (with
their meaning), activities (with their effect, and the contact channel the activity is — a
contact goes through the Ley 2300 guard) and support documents (file or template).

Items are never deleted: an item may be referenced by history, so it is deactivated instead
(it disappears from pickers, old follow-ups keep showing its name)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.followups.lifecycle import MAX_HOURS, MIN_HOURS
from crm.kernel import audit, confirmations
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import Duplicate, InvalidInput, NotAuthorized, NotFound
from crm.kernel.text import strip_accents, xml_safe
from crm.ley2300 import rules as ley2300
from crm.ley2300.rules import Channel
from storage.models import (
    ACTIVITY_EFFECTS,
    STATE_MEANINGS,
    Activity,
    FollowUpType,
    State,
    SupportDocument,
)

KINDS = ("type", "state", "activity", "document")
MEANINGS: tuple[str, ...] = STATE_MEANINGS
EFFECTS: tuple[str, ...] = ACTIVITY_EFFECTS
MODELS: dict[str, Any] = {
    "type": FollowUpType,
    "state": State,
    "activity": Activity,
    "document": SupportDocument,
}
# Words accepted from the CLI and typed text, Spanish first.
KIND_WORDS = {
    "tipo": "type",
    "tipos": "type",
    "type": "type",
    "estado": "state",
    "estados": "state",
    "state": "state",
    "actividad": "activity",
    "actividades": "activity",
    "activity": "activity",
    "documento": "document",
    "documentos": "document",
    "document": "document",
}
MEANING_WORDS = {
    "open": "open",
    "abierto": "open",
    "closed": "closed",
    "cerrado": "closed",
    "cierre": "closed",
    "discarded": "discarded",
    "descartado": "discarded",
    "descarte": "discarded",
}
EFFECT_WORDS = {
    "progress": "progress",
    "avance": "progress",
    "progreso": "progress",
    "regression": "regression",
    "retroceso": "regression",
    "neutral": "neutral",
    "neutro": "neutral",
}
# "ninguno": the activity is not a contact.
NO_CHANNEL_WORDS = ("ninguno", "ninguna", "none", "no", "-")
# A new activity's channel from the first words of its name (as migration 0015 seeded the
# existing ones); the admin may change it.
CHANNEL_BY_NAME = (
    ("llamada", Channel.LLAMADA),
    ("whatsapp", Channel.WHATSAPP),
    ("mensaje de whatsapp", Channel.WHATSAPP),
    ("mensaje de texto", Channel.SMS),
    ("sms", Channel.SMS),
    ("mensaje", Channel.WHATSAPP),
    ("correo", Channel.CORREO),
    ("email", Channel.CORREO),
    ("e-mail", Channel.CORREO),
    ("visita", Channel.VISITA),
)
PLACEHOLDERS = ("nombre", "nit", "saldo", "documentos", "fecha")
MAX_NAME = 80
MAX_TEMPLATE = 3000
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,30})\}")


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog item with the detail of its kind."""

    id: int
    kind: str
    name: str
    active: bool
    hours: int | None = None
    meaning: str | None = None
    effect: str | None = None
    channel: str | None = None  # activities: the contact channel (None: not a contact)
    template: str | None = None
    file_id: str | None = None
    file_name: str | None = None


def parse_kind(word: str) -> str:
    kind = KIND_WORDS.get(strip_accents(word.strip().lower()))
    if kind is None:
        raise InvalidInput("error.catalog_bad_kind", kinds="tipo, estado, actividad, documento")
    return kind


def parse_meaning(word: str) -> str:
    meaning = MEANING_WORDS.get(strip_accents(word.strip().lower()))
    if meaning is None or meaning not in STATE_MEANINGS:
        raise InvalidInput("error.catalog_bad_meaning")
    return meaning


def parse_effect(word: str) -> str:
    effect = EFFECT_WORDS.get(strip_accents(word.strip().lower()))
    if effect is None or effect not in ACTIVITY_EFFECTS:
        raise InvalidInput("error.catalog_bad_effect")
    return effect


def parse_channel(word: str) -> str | None:
    """An activity's contact channel: ``llamada``, ``whatsapp``, ``sms``, ``correo``,
    ``visita`` (or the ERP's words for them), or ``ninguno`` for None."""
    text = " ".join(word.strip().lower().split())
    if strip_accents(text) in NO_CHANNEL_WORDS:
        return None
    try:
        found = ley2300.parse_channels(text)
    except ley2300.BadChannels:
        found = ""
    if not found or ";" in found:
        raise InvalidInput("error.catalog_bad_channel")
    return found


def channel_for_name(name: str) -> str | None:
    """The channel a new activity's name suggests ("Llamada de cobro" → llamada)."""
    text = strip_accents(name.strip().lower())
    for start, channel in CHANNEL_BY_NAME:
        if text.startswith(start):
            return channel.value
    return None


def clean_name(name: str) -> str:
    value = " ".join(xml_safe(name).split())
    if not value:
        raise InvalidInput("error.empty_text")
    if len(value) > MAX_NAME:
        raise InvalidInput("error.text_too_long", limit=MAX_NAME, length=len(value))
    return value


def clean_template(text: str) -> str:
    """The template as typed; only the known placeholders are allowed."""
    value = xml_safe(text).strip()
    if not value:
        raise InvalidInput("error.empty_text")
    if len(value) > MAX_TEMPLATE:
        raise InvalidInput("error.text_too_long", limit=MAX_TEMPLATE, length=len(value))
    unknown = sorted({m for m in _PLACEHOLDER.findall(value) if m not in PLACEHOLDERS})
    if unknown:
        raise InvalidInput(
            "error.catalog_bad_placeholder",
            unknown=", ".join("{" + u + "}" for u in unknown),
            allowed=", ".join("{" + p + "}" for p in PLACEHOLDERS),
        )
    return value


def check_hours(hours: int) -> int:
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise InvalidInput("error.bad_hours", min=MIN_HOURS, max=MAX_HOURS)
    return hours


def _entry(kind: str, row: Any) -> CatalogEntry:
    return CatalogEntry(
        id=row.id,
        kind=kind,
        name=row.name,
        active=row.active,
        hours=row.default_hours if kind == "type" else None,
        meaning=row.meaning if kind == "state" else None,
        effect=row.effect if kind == "activity" else None,
        channel=row.canal if kind == "activity" else None,
        template=row.template if kind == "document" else None,
        file_id=row.file_id if kind == "document" else None,
        file_name=row.file_name if kind == "document" else None,
    )


def _ensure_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise NotAuthorized()


async def _ensure_unique(
    session: AsyncSession, kind: str, name: str, except_id: int | None = None
) -> None:
    model = MODELS[kind]
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if except_id is not None:
        query = query.where(model.id != except_id)
    if await session.scalar(query) is not None:
        raise Duplicate("error.catalog_duplicate", name=name)


async def _load(session: AsyncSession, kind: str, item_id: int) -> Any:
    row = await session.get(MODELS[kind], item_id, with_for_update=True)
    if row is None:
        raise NotFound()
    return row


def _record(
    session: AsyncSession,
    crm: Crm,
    actor: Actor,
    kind: str,
    item_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record(
        session,
        at=crm.now(),
        actor_id=actor.id,
        entity=kind,
        entity_id=item_id,
        action=action,
        before=before,
        after=after,
    )


async def list_items(
    crm: Crm, actor: Actor, kind: str, include_inactive: bool = True
) -> list[CatalogEntry]:
    """Every item of one catalog, active first, by name."""
    _ensure_admin(actor)
    model = MODELS[kind]
    async with crm.read() as session:
        query = select(model).order_by(model.active.desc(), model.name)
        if not include_inactive:
            query = query.where(model.active.is_(True))
        rows = (await session.scalars(query)).all()
    return [_entry(kind, r) for r in rows]


async def get_item(crm: Crm, actor: Actor, kind: str, item_id: int) -> CatalogEntry:
    """One item (admins)."""
    _ensure_admin(actor)
    async with crm.read() as session:
        row = await session.get(MODELS[kind], item_id)
        if row is None:
            raise NotFound()
        return _entry(kind, row)


async def find_item(crm: Crm, actor: Actor, kind: str, ref: str) -> CatalogEntry:
    """An item by id (``12`` or ``#12``) or by name, ignoring case."""
    _ensure_admin(actor)
    model = MODELS[kind]
    ref = ref.strip()
    async with crm.read() as session:
        row = None
        if ref.lstrip("#").isascii() and ref.lstrip("#").isdigit():
            row = await session.get(model, int(ref.lstrip("#")))
        if row is None:
            row = await session.scalar(select(model).where(func.lower(model.name) == ref.lower()))
        if row is None:
            raise NotFound("error.catalog_unknown_item", name=ref)
        return _entry(kind, row)


async def check_name_free(crm: Crm, actor: Actor, kind: str, name: str) -> str:
    """The cleaned name if no item of ``kind`` has it yet (asked before the next question)."""
    _ensure_admin(actor)
    cleaned = clean_name(name)
    async with crm.read() as session:
        await _ensure_unique(session, kind, cleaned)
    return cleaned


async def add_item(
    crm: Crm,
    actor: Actor,
    kind: str,
    name: str,
    *,
    hours: int | None = None,
    meaning: str | None = None,
    effect: str | None = None,
    template: str | None = None,
    file_id: str | None = None,
    file_name: str | None = None,
    channel: str | None = None,
) -> CatalogEntry:
    """Create an item; types need hours (default 24), states a meaning, activities an effect
    (default neutral) and a contact channel (default: the one its name suggests, see
    :func:`channel_for_name`; ``ninguno`` for none), support documents a template or an
    uploaded file."""
    _ensure_admin(actor)
    name = clean_name(name)
    fields: dict[str, Any] = {"name": name, "active": True}
    if kind == "type":
        fields["default_hours"] = check_hours(hours if hours is not None else 24)
    elif kind == "state":
        if meaning is None:
            raise InvalidInput("error.catalog_bad_meaning")
        fields["meaning"] = parse_meaning(meaning)
    elif kind == "activity":
        fields["effect"] = parse_effect(effect or "neutral")
        fields["canal"] = channel_for_name(name) if channel is None else parse_channel(channel)
    elif kind == "document":
        if file_id:
            fields.update(file_id=file_id[:200], file_name=(file_name or name)[:200])
        elif template is not None:
            fields["template"] = clean_template(template)
        else:
            raise InvalidInput("error.catalog_document_content")
    else:
        raise InvalidInput("error.catalog_bad_kind", kinds="tipo, estado, actividad, documento")
    async with crm.write() as session:
        await _ensure_unique(session, kind, name)
        row = MODELS[kind](**fields)
        session.add(row)
        await session.flush()
        _record(session, crm, actor, kind, row.id, "create", None, fields)
        return _entry(kind, row)


async def rename_item(
    crm: Crm, actor: Actor, kind: str, item_id: int, new_name: str
) -> CatalogEntry:
    """Rename an item; history shows the new name."""
    _ensure_admin(actor)
    name = clean_name(new_name)
    async with crm.write() as session:
        row = await _load(session, kind, item_id)
        await _ensure_unique(session, kind, name, except_id=row.id)
        if row.name != name:
            _record(
                session, crm, actor, kind, row.id, "rename", {"name": row.name}, {"name": name}
            )
            row.name = name
        return _entry(kind, row)


async def _set_field(
    crm: Crm, actor: Actor, kind: str, item_id: int, field: str, value: Any, action: str
) -> CatalogEntry:
    _ensure_admin(actor)
    async with crm.write() as session:
        row = await _load(session, kind, item_id)
        old = getattr(row, field)
        if old != value:
            _record(session, crm, actor, kind, row.id, action, {field: old}, {field: value})
            setattr(row, field, value)
        return _entry(kind, row)


async def set_hours(crm: Crm, actor: Actor, type_id: int, hours: int) -> CatalogEntry:
    """Change a follow-up type's default hours ("Parámetros"); only new follow-ups use it."""
    return await _set_field(
        crm, actor, "type", type_id, "default_hours", check_hours(hours), "hours"
    )


async def set_meaning(crm: Crm, actor: Actor, state_id: int, meaning: str) -> CatalogEntry:
    """Change what a state means (open / closed / discarded); the last active closing state
    keeps its meaning (agents must always be able to close)."""
    _ensure_admin(actor)
    value = parse_meaning(meaning)
    async with crm.write() as session:
        row = await _load(session, "state", state_id)
        if row.meaning == value:
            return _entry("state", row)
        if row.active and row.meaning == "closed":
            await _ensure_not_last(session, "state", row, "error.catalog_last_closing_meaning")
        before, after = {"meaning": row.meaning}, {"meaning": value}
        _record(session, crm, actor, "state", row.id, "meaning", before, after)
        row.meaning = value
        return _entry("state", row)


async def set_effect(crm: Crm, actor: Actor, activity_id: int, effect: str) -> CatalogEntry:
    """Change an activity's effect (progress / regression / neutral)."""
    return await _set_field(
        crm, actor, "activity", activity_id, "effect", parse_effect(effect), "effect"
    )


async def set_channel(
    crm: Crm, actor: Actor, activity_id: int, channel: str | None
) -> CatalogEntry:
    """Say which contact channel an activity is (``ninguno``/None: not a contact). Recording a
    contact activity goes through the Ley 2300 guard and shows in /informe contactos."""
    value = parse_channel(channel) if channel is not None else None
    return await _set_field(crm, actor, "activity", activity_id, "canal", value, "channel")


async def set_document_content(
    crm: Crm,
    actor: Actor,
    document_id: int,
    *,
    template: str | None = None,
    file_id: str | None = None,
    file_name: str | None = None,
) -> CatalogEntry:
    """Replace a support document's content with a template text or an uploaded file."""
    _ensure_admin(actor)
    if file_id:
        new = {"template": None, "file_id": file_id[:200], "file_name": (file_name or "")[:200]}
    elif template is not None:
        new = {"template": clean_template(template), "file_id": None, "file_name": None}
    else:
        raise InvalidInput("error.catalog_document_content")
    async with crm.write() as session:
        row = await _load(session, "document", document_id)
        before = {k: getattr(row, k) for k in new}
        for key, value in new.items():
            setattr(row, key, value)
        _record(session, crm, actor, "document", row.id, "content", before, new)
        return _entry("document", row)


@dataclass(frozen=True)
class Outcome:
    """An item after a confirmed change; ``repeated`` when the confirmation had already run."""

    item: CatalogEntry
    repeated: bool = False


async def preview_deactivate(crm: Crm, actor: Actor, kind: str, item_id: int) -> CatalogEntry:
    """The item a deactivation would hide, refused up front when it is the last one needed
    (the confirmed change checks again)."""
    _ensure_admin(actor)
    async with crm.read() as session:
        row = await session.get(MODELS[kind], item_id)
        if row is None:
            raise NotFound()
        if row.active:
            await _ensure_not_last(session, kind, row)
        return _entry(kind, row)


async def set_active(
    crm: Crm, actor: Actor, kind: str, item_id: int, active: bool
) -> CatalogEntry:
    """Deactivate (hidden from pickers, history intact) or reactivate an item."""
    return (await set_active_once(crm, actor, kind, item_id, active, None)).item


async def set_active_once(
    crm: Crm, actor: Actor, kind: str, item_id: int, active: bool, token: str | None
) -> Outcome:
    """:func:`set_active` behind a confirm button: once per ``token``."""
    _ensure_admin(actor)
    async with crm.write() as session:
        row = await _load(session, kind, item_id)
        ticket = await confirmations.claim(session, crm, actor, token, "catalog_active")
        if ticket.repeated:
            return Outcome(_entry(kind, row), True)
        ticket.keep({"kind": kind, "id": row.id, "active": active})
        if row.active == active:
            return Outcome(_entry(kind, row))
        if not active:
            await _ensure_not_last(session, kind, row)
        _record(
            session,
            crm,
            actor,
            kind,
            row.id,
            "activate" if active else "deactivate",
            {"active": row.active},
            {"active": active},
        )
        row.active = active
        return Outcome(_entry(kind, row))


async def _ensure_not_last(
    session: AsyncSession, kind: str, row: Any, key: str = "error.catalog_last_item"
) -> None:
    """Agents must always be able to create (a type) and close (a closing state): the last
    active one of those is neither deactivated nor given another meaning, whichever path
    (button, command, CLI) asks. The rows counted are locked, so two admins changing the last
    two at once cannot both pass (SQLite serialises writers anyway)."""
    model = MODELS[kind]
    if kind == "type":
        query = select(model.id).where(model.active.is_(True))
    elif kind == "state" and row.meaning == "closed":
        query = select(model.id).where(model.active.is_(True), model.meaning == "closed")
    else:
        return
    ids = (await session.scalars(query.order_by(model.id).with_for_update())).all()
    if len([i for i in ids if i != row.id]) < 1:
        raise InvalidInput(key)
