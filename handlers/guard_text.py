"""The Ley 2300 guard's answers in words, shared by every screen that records a contact
(📞 Contacto, 📝 Actividad, 📍 Registrar visita)."""

from __future__ import annotations

import html

from crm.ley2300.guard import ContactBlocked
from crm.ley2300.rules import Rule, Verdict, channel_label, display_params
from handlers.context import CrmContext
from handlers.texts import CATALOG


def channel_name(context: CrmContext, channel: object) -> str:
    """A channel's name in the user's language ("llamada" / "call")."""
    value = str(getattr(channel, "value", channel))
    key = f"ct.name.{value}"
    return context.t(key) if key in CATALOG["es"] else channel_label(value)


def verdict_line(context: CrmContext, verdict: Verdict) -> str:
    """ "✅ Puedes contactar hoy por llamada" or "⛔ <why not>" (HTML)."""
    if verdict.allowed:
        if not verdict.protected:
            return context.t("ley.not_protected")
        names = [channel_name(context, c) for c in verdict.channels]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1])
        if len(names) > 1:
            joined += context.t("ley.or") + names[-1]
        return context.t("ley.ok", channels=html.escape(joined))
    params = {k: html.escape(v) for k, v in display_params(verdict.params, context.lang).items()}
    if "channel" in verdict.params:
        params["channel"] = html.escape(channel_name(context, verdict.params["channel"]))
    if verdict.rule == Rule.HOURS:
        when = context.t(f"ley.when.{params.get('when', 'after')}", limit=params.get("limit", ""))
        return context.t("ley.hours", when=when)
    assert verdict.rule is not None
    return context.t(f"ley.{verdict.rule.value}", **params)


def refused(context: CrmContext, blocked: ContactBlocked, what: str) -> str:
    """Why an activity or a visit was not recorded (``what``: ``activity`` or ``visit``),
    pointing supervisors to 📞 Contacto's exception (HTML)."""
    text = context.t(f"ley.refused.{what}", reason=verdict_line(context, blocked.verdict))
    if context.me.is_supervisor or context.me.is_admin:
        text += "\n" + context.t("ley.refused.exception")
    return text
