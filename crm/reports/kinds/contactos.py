"""``contactos``: the Ley 2300 compliance report, ``/informe contactos [PERIODO] [filtros]``.

One row per contact attempt in the period — 📞 Contacto, an activity whose kind is a contact,
or a visit, all through crm/contact_guard.py — (registered, blocked by the guard, or registered
by a supervisor's exception) with the columns ``Fecha``, ``Responsable``, ``NIT``, ``Tercero``,
``Canal``, ``Resultado``, ``Cumple``, ``Motivo``; the Resumen counts per agent the contacts made
(exceptions included), the attempts the guard blocked and the exceptions. Scope as every
report: agents their own attempts, supervisors their team's, admins everyone's (by who made
the attempt). Filters: ``agente:``, ``nit:``, ``tipo:`` (the follow-up's type).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from crm.kernel.permissions import owner_filter
from crm.ley2300 import rules as ley2300
from crm.reports.registry import BreakdownLine, ReportKind, register
from crm.reports.rows import Context
from crm.reports.scope import Scope
from crm.reports.workbook import Column, local_naive
from storage.models import ContactAttempt, FollowUp, Tercero, User

SUMMARY = {
    "es": ("Contactos", "Intentos bloqueados", "Excepciones"),
    "en": ("Contacts", "Blocked attempts", "Exceptions"),
}
WORDS: dict[str, dict[str, str]] = {
    "es": {
        "week": "Semana contada: calendario (lunes a domingo). El bot es una herramienta, "
        "no asesoría legal.",
        "yes": "Sí",
        "no": "No",
        "blocked": "bloqueado",
        "not_protected": "Ley 2300 no aplica (persona jurídica o ley desactivada)",
        "override": "Excepción de {who}: {reason}",
        "sunday": "Domingo",
        "holiday": "Festivo ({day}, {holiday})",
        "hours": "Fuera de horario ({when})",
        "when.before": "antes de las {limit}",
        "when.after": "después de las {limit}",
        "when.sat_before": "sábado antes de las {limit}",
        "when.sat_after": "sábado después de las {limit}",
        "today": "Ya hubo un contacto hoy ({time}, {who}, {channel})",
        "week_rule": "Esta semana ya se usó {channel}",
        "channel": "Canal no autorizado",
    },
    "en": {
        "sheet": "contactos",
        "week": "Week counted: calendar (Monday to Sunday). The bot is a tool, not legal advice.",
        "yes": "Yes",
        "no": "No",
        "blocked": "blocked",
        "not_protected": "Ley 2300 does not apply (legal person or law switched off)",
        "override": "Exception by {who}: {reason}",
        "sunday": "Sunday",
        "holiday": "Public holiday ({day}, {holiday})",
        "hours": "Outside hours ({when})",
        "when.before": "before {limit}",
        "when.after": "after {limit}",
        "when.sat_before": "Saturday before {limit}",
        "when.sat_after": "Saturday after {limit}",
        "today": "Already contacted today ({time}, {who}, {channel})",
        "week_rule": "{channel} was already used this week",
        "channel": "Channel not authorised",
    },
}


def word(lang: str, key: str, **params: str) -> str:
    text = WORDS.get(lang, WORDS["es"])[key]
    return text.format(**params) if params else text


def rule_text(lang: str, rule: str, detail: str | None) -> str:
    """The guard's reason, as the card says it (without the ⛔)."""
    params = ley2300.display_params(json.loads(detail) if detail else {}, lang)
    if rule == ley2300.Rule.HOURS:
        when = word(lang, f"when.{params.get('when', 'after')}", limit=params.get("limit", ""))
        return word(lang, "hours", when=when)
    if rule == ley2300.Rule.WEEK:
        return word(lang, "week_rule", channel=params.get("channel", ""))
    key = rule if rule in WORDS["es"] else "channel"
    try:
        return word(lang, key, **params)
    except KeyError:
        return word(lang, key, **{k: "" for k in ("day", "holiday", "time", "who", "channel")})


def contact_row(lang: str, tz: Any, r: Any) -> tuple[Any, ...]:
    motive: str | None
    if r.outcome == "blocked":
        complies, result = word(lang, "no"), word(lang, "blocked")
        motive = rule_text(lang, r.rule or "", r.rule_detail)
    elif r.outcome == "override":
        complies, result = word(lang, "no"), r.result
        reason = word(lang, "override", who=r.actor or "", reason=r.override_reason or "")
        motive = f"{rule_text(lang, r.rule or '', r.rule_detail)} · {reason}"
    else:
        complies, result = word(lang, "yes"), r.result
        motive = None if r.protected else word(lang, "not_protected")
    return (
        local_naive(r.at, tz),
        r.actor,
        r.nit,
        r.tercero,
        ley2300.channel_label(r.channel),
        result,
        complies,
        motive,
    )


class Contactos(ReportKind):
    name = "contactos"
    order = 60
    sheet_es = "contactos"
    sheet_en = "contactos"
    refused_filters = ("estado",)
    columns = (
        Column("Fecha", "Date", "datetime", 17),
        Column("Responsable", "Owner", "text", 22),
        Column("NIT", "NIT", "text", 15),
        Column("Tercero", "Tercero", "text", 32),
        Column("Canal", "Channel", "text", 11),
        Column("Resultado", "Result", "text", 17),
        Column("Cumple", "Complies", "text", 9),
        Column("Motivo", "Reason", "text", 60),
    )

    def query(self, ctx: Context, scope: Scope) -> Any:
        start, end = ctx.bounds()
        query = (
            select(
                ContactAttempt.at,
                User.name.label("actor"),
                Tercero.nit,
                Tercero.name.label("tercero"),
                ContactAttempt.channel,
                ContactAttempt.result,
                ContactAttempt.outcome,
                ContactAttempt.rule,
                ContactAttempt.rule_detail,
                ContactAttempt.override_reason,
                ContactAttempt.protected,
            )
            .join(Tercero, Tercero.id == ContactAttempt.tercero_id)
            .outerjoin(User, User.id == ContactAttempt.actor_id)
            .where(
                ContactAttempt.at >= start,
                ContactAttempt.at < end,
                owner_filter(ctx.actor, ContactAttempt.actor_id),
            )
            .order_by(ContactAttempt.at, ContactAttempt.id)
        )
        if scope.agent is not None:
            query = query.where(ContactAttempt.actor_id == scope.agent.id)
        if scope.nit is not None:
            query = query.where(Tercero.nit_base == scope.nit)
        if scope.type_id is not None:
            query = query.where(
                ContactAttempt.followup_id.in_(
                    select(FollowUp.id).where(FollowUp.type_id == scope.type_id)
                )
            )
        return query

    def convert(self, ctx: Context, row: Any) -> Sequence[Any]:
        # Kept for the Resumen: who made the attempt and how it ended.
        ctx.computed.append((row.actor or "—", row.outcome))
        return contact_row(ctx.lang, ctx.crm.tz, row)

    def _counts(self, ctx: Context) -> list[tuple[str, int, int, int]]:
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for agent, outcome in ctx.computed:
            if outcome == "blocked":
                counts[agent][1] += 1
            else:
                counts[agent][0] += 1
                counts[agent][2] += outcome == "override"
        return [(agent, *values) for agent, values in sorted(counts.items())]  # type: ignore[misc]

    def series(self, ctx: Context) -> list[tuple[str, list[tuple[str, Any]]]]:
        heads = SUMMARY.get(ctx.lang, SUMMARY["es"])
        rows = self._counts(ctx)
        return [(heads[j], [(r[0], r[1 + j]) for r in rows]) for j in range(3)]

    def facts(self, ctx: Context) -> list[tuple[str, Any]]:
        return [("", word(ctx.lang, "week"))]

    def chat_breakdown(self, ctx: Context) -> tuple[Any, ...]:

        rows = sorted(self._counts(ctx), key=lambda r: (-r[1], r[0]))
        return tuple(BreakdownLine(r[0], r[1]) for r in rows)


register(Contactos())
