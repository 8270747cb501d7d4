"""The audit trail in words: "Ana Gómez pospuso #12: vence 27/11 11:00 → 18:00".

Each audit row (entity, action, before/after JSON) becomes one sentence in the reader's
language, with names and codes instead of ids, local times and sí/no for true/false. Rows no
sentence knows fall back to "who · entity #id · action: key: old → new" in the same words.
The templates live here (not in the chat catalog) because the Excel export uses them too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from crm.kernel.formatting import money

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

TEXTS: dict[str, dict[str, str]] = {
    "es": {
        "system": "El sistema",
        "yes": "sí",
        "no": "no",
        "none": "—",
        "followup.create": "{who} creó #{id}: {type} para {tercero}, de {owner}, vence {due}",
        "followup.postpone": "{who} pospuso #{id}: vence {before} → {after}",
        "followup.close": "{who} cerró #{id}: {state}{note}",
        "followup.discard": "{who} descartó #{id}: {state}{note}",
        "followup.observation": "{who} anotó en #{id}: «{text}»",
        "followup.activity": "{who} registró la actividad {activity} en #{id}{note}",
        "followup.attachment": "{who} adjuntó un archivo a #{id}",
        "followup.letter_sent": "{who} generó la carta «{document}» para #{id}",
        "user.reassign": (
            "{who} reasignó {followups} seguimientos y {terceros} terceros de {before} a {after}"
        ),
        "tercero.reassign": (
            "{who} reasignó el tercero {subject} de {before} a {after} "
            "(seguimientos movidos: {followups})"
        ),
        "user.create": "{who} creó el usuario {name} ({code}), rol {role}",
        "user.join": "{name} ({code}) se unió como {role} con una invitación",
        "user.deactivate": "{who} desactivó a {subject}",
        "user.activate": "{who} activó a {subject}",
        "user.role": "{who} cambió el rol de {subject} a {role}",
        "user.team": "{who} cambió el supervisor de {subject}: {before} → {after}",
        "invitation.create": "{who} creó una invitación para {user_code} (rol {role})",
        "promise.create": (
            "{who} registró una promesa de pago en #{followup}: {amount} para el {date}"
        ),
        "promise.kept": "La promesa de pago #{id} se cumplió: pagado {paid}",
        "promise.broken": "La promesa de pago #{id} se incumplió: pagado {paid}",
        "subscription.create": "{who} se suscribió al informe {report} ({frequency}, {at})",
        "subscription.cancel": "{who} canceló la suscripción #{id}",
        "import.import": (
            "{who} importó {id}: {rows} filas, {inserted} nuevas, {updated} actualizadas, "
            "{unchanged} sin cambios, {bad_rows} con error"
        ),
        "generic": "{who} · {entity} #{id} · {action}",
        "role.agent": "agente",
        "role.supervisor": "supervisor",
        "role.admin": "administrador",
        "frequency.daily": "diario",
        "frequency.weekly": "semanal",
        "entity.followup": "seguimiento",
        "entity.user": "usuario",
        "entity.tercero": "tercero",
        "entity.promise": "promesa",
        "entity.subscription": "suscripción",
        "entity.invitation": "invitación",
        "entity.import": "importación",
    },
    "en": {
        "system": "The system",
        "yes": "yes",
        "no": "no",
        "none": "—",
        "followup.create": (
            "{who} created #{id}: {type} for {tercero}, owned by {owner}, due {due}"
        ),
        "followup.postpone": "{who} postponed #{id}: due {before} → {after}",
        "followup.close": "{who} closed #{id}: {state}{note}",
        "followup.discard": "{who} discarded #{id}: {state}{note}",
        "followup.observation": "{who} noted on #{id}: “{text}”",
        "followup.activity": "{who} logged the activity {activity} on #{id}{note}",
        "followup.attachment": "{who} attached a file to #{id}",
        "followup.letter_sent": "{who} generated the letter “{document}” for #{id}",
        "user.reassign": (
            "{who} reassigned {followups} follow-ups and {terceros} terceros from {before} "
            "to {after}"
        ),
        "tercero.reassign": (
            "{who} reassigned the tercero {subject} from {before} to {after} "
            "(follow-ups moved: {followups})"
        ),
        "user.create": "{who} created the user {name} ({code}), role {role}",
        "user.join": "{name} ({code}) joined as {role} with an invitation",
        "user.deactivate": "{who} deactivated {subject}",
        "user.activate": "{who} activated {subject}",
        "user.role": "{who} changed the role of {subject} to {role}",
        "user.team": "{who} changed the supervisor of {subject}: {before} → {after}",
        "invitation.create": "{who} created an invitation for {user_code} (role {role})",
        "promise.create": "{who} recorded a payment promise on #{followup}: {amount} by {date}",
        "promise.kept": "Payment promise #{id} was kept: paid {paid}",
        "promise.broken": "Payment promise #{id} was broken: paid {paid}",
        "subscription.create": "{who} subscribed to the {report} report ({frequency}, {at})",
        "subscription.cancel": "{who} cancelled subscription #{id}",
        "import.import": (
            "{who} imported {id}: {rows} rows, {inserted} new, {updated} updated, "
            "{unchanged} unchanged, {bad_rows} with errors"
        ),
        "generic": "{who} · {entity} #{id} · {action}",
        "role.agent": "agent",
        "role.supervisor": "supervisor",
        "role.admin": "admin",
        "frequency.daily": "daily",
        "frequency.weekly": "weekly",
        "entity.followup": "follow-up",
        "entity.user": "user",
        "entity.tercero": "tercero",
        "entity.promise": "promise",
        "entity.subscription": "subscription",
        "entity.invitation": "invitation",
        "entity.import": "import",
    },
}


def text(lang: str, key: str) -> str:
    return TEXTS.get(lang, TEXTS["es"]).get(key) or TEXTS["es"][key]


class Words:
    """Values as a reader says them: local times, sí/no, names for ids, amounts in pesos."""

    def __init__(self, lang: str, tz: ZoneInfo, names: Mapping[str, str]) -> None:
        self.lang, self.tz, self.names = lang, tz, names

    def value(self, key: str, value: Any) -> str:
        if value is None or value == "":
            return text(self.lang, "none")
        if isinstance(value, bool):
            return text(self.lang, "yes" if value else "no")
        if key.endswith("supervisor_id") or key in ("user_id", "owner_id", "encargado_id"):
            return self.names.get(f"user:{value}", f"#{value}")
        if key == "state_id":
            return self.names.get(f"state:{value}", f"#{value}")
        if key == "role" and isinstance(value, str):
            return (
                text(self.lang, f"role.{value}")
                if value in ("agent", "supervisor", "admin")
                else value
            )
        if isinstance(value, str) and _ISO.match(value):
            return self.when(value)
        if isinstance(value, list | tuple):
            return ", ".join(self.value(key, v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {self.value(k, v)}" for k, v in value.items())
        return str(value)

    def when(self, iso: str, since: str | None = None) -> str:
        """``27/11 11:00``; only the time when ``since`` is the same local day."""
        try:
            moment = datetime.fromisoformat(iso)
        except ValueError:
            return iso
        if moment.tzinfo is None:
            return (
                moment.strftime("%d/%m/%Y") if len(iso) <= 10 else moment.strftime("%d/%m %H:%M")
            )
        local = moment.astimezone(self.tz)
        if since is not None:
            try:
                before = datetime.fromisoformat(since).astimezone(self.tz)
            except ValueError:
                before = None
            if before is not None and before.date() == local.date():
                return local.strftime("%H:%M")
        return local.strftime("%d/%m %H:%M")

    def user(self, code: Any) -> str:
        """A user code as "Name (CODE)" when known."""
        if code is None:
            return text(self.lang, "none")
        return self.names.get(f"code:{code}", str(code))


# Complex by design: one branch per audited action, a table of sentences read top to bottom.
def describe(  # noqa: C901
    *,
    lang: str,
    tz: ZoneInfo,
    names: Mapping[str, str],
    who: str | None,
    entity: str,
    entity_id: str,
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> str:
    """One audit row as a sentence in ``lang``."""
    words = Words(lang, tz, names)
    b, a = dict(before or {}), dict(after or {})
    fields: dict[str, Any] = {
        "who": who or text(lang, "system"),
        "id": entity_id,
        "entity": text(lang, f"entity.{entity}") if f"entity.{entity}" in TEXTS["es"] else entity,
        "action": action,
    }
    subject = names.get(f"{entity}:{entity_id}", f"#{entity_id}")
    key = f"{entity}.{action}"
    if key == "followup.postpone":
        fields["before"] = words.when(str(b.get("due", "")))
        fields["after"] = words.when(str(a.get("due", "")), since=str(b.get("due", "")))
    elif key == "followup.create":
        fields.update(
            type=a.get("type") or "",
            tercero=names.get(f"nit:{a.get('tercero')}", a.get("tercero") or ""),
            owner=words.user(a.get("owner")),
            due=words.when(str(a.get("due", ""))),
        )
    elif key in ("followup.close", "followup.discard"):
        fields["state"] = a.get("state") or words.value("status", a.get("status"))
        fields["note"] = f" · {a['note']}" if a.get("note") else ""
    elif key == "followup.observation":
        fields["text"] = a.get("text") or ""
    elif key == "followup.activity":
        fields["activity"] = a.get("activity") or ""
        fields["note"] = f" · {a['note']}" if a.get("note") else ""
    elif key == "followup.letter_sent":
        fields["document"] = a.get("document") or ""
    elif key in ("user.reassign", "tercero.reassign"):
        field = "owner" if entity == "user" else "encargado"
        fields.update(
            before=words.user(b.get(field)),
            after=words.user(a.get(field)),
            followups=_count(a.get("followups", 0)),
            terceros=_count(a.get("terceros", 0)),
            subject=subject,
        )
    elif key in ("user.create", "user.join"):
        fields.update(
            name=a.get("name") or "",
            code=a.get("code") or "",
            role=words.value("role", a.get("role")),
        )
    elif key in ("user.deactivate", "user.activate"):
        fields["subject"] = subject
    elif key == "user.role":
        fields.update(subject=subject, role=words.value("role", a.get("role")))
    elif key == "user.team":
        fields.update(
            subject=subject,
            before=words.value("supervisor_id", b.get("supervisor_id")),
            after=words.value("supervisor_id", a.get("supervisor_id")),
        )
    elif key == "invitation.create":
        fields.update(user_code=a.get("user_code") or "", role=words.value("role", a.get("role")))
    elif key == "promise.create":
        fields.update(
            followup=a.get("followup", ""),
            amount=_pesos(a.get("amount")),
            date=words.value("date", a.get("date")),
        )
    elif key in ("promise.kept", "promise.broken"):
        fields["paid"] = _pesos(a.get("paid"))
    elif key == "subscription.create":
        frequency = a.get("frequency")
        fields.update(
            report=a.get("report") or "",
            frequency=text(lang, f"frequency.{frequency}")
            if frequency in ("daily", "weekly")
            else frequency,
            at=a.get("at") or "",
        )
    elif key == "import.import":
        fields.update(
            {k: a.get(k, 0) for k in ("rows", "inserted", "updated", "unchanged", "bad_rows")}
        )
    else:
        key = "generic"
    sentence = text(lang, key).format(**fields)
    if key == "generic":
        detail = changes(words, b, a)
        if detail:
            sentence += f": {detail}"
    return sentence


def changes(words: Words, before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """``key: old → new; key: value`` in the reader's words (unchanged keys left out)."""
    parts = []
    for key in sorted(before.keys() | after.keys()):
        if key in before and key in after:
            if before[key] == after[key]:
                continue
            parts.append(
                f"{key}: {words.value(key, before[key])} → {words.value(key, after[key])}"
            )
        elif key in after:
            parts.append(f"{key}: {words.value(key, after[key])}")
        else:
            parts.append(f"{key}: {words.value(key, before[key])} → {text(words.lang, 'none')}")
    return "; ".join(parts)


def _count(value: Any) -> Any:
    """A count, or the number of ids in a list of them."""
    return len(value) if isinstance(value, list) else value


def _pesos(value: Any) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        return money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)
