"""/informe, /suscribir and /suscripciones: menus, summaries and refusals."""

from crm.reports import REPORT_KINDS

# Every registered report kind, so a new kind module shows up here by itself.
_KINDS = ", ".join(REPORT_KINDS)

_USAGE_ES = (
    "Usa: <code>/informe TIPO [PERIODO] [filtros]</code>\n"
    f"• TIPO: {_KINDS}\n"
    "• PERIODO: hoy, ayer, semana, mes, <code>AAAA-MM-DD</code> o "
    "<code>AAAA-MM-DD AAAA-MM-DD</code>\n"
    "• filtros: <code>agente:CODIGO</code>, <code>tipo:NOMBRE</code>, "
    "<code>estado:NOMBRE</code>, <code>nit:NIT</code>\n"
    "Ejemplo: <code>/informe seguimientos 2026-11-01 2026-11-15 agente:LUIS</code>"
)
_USAGE_EN = (
    "Use: <code>/informe TYPE [PERIOD] [filters]</code>\n"
    f"• TYPE: {_KINDS}\n"
    "• PERIOD: hoy (today), ayer (yesterday), semana (this week), mes (this month), "
    "<code>YYYY-MM-DD</code> or <code>YYYY-MM-DD YYYY-MM-DD</code>\n"
    "• filters: <code>agente:CODE</code>, <code>tipo:NAME</code>, "
    "<code>estado:NAME</code>, <code>nit:NIT</code>\n"
    "Example: <code>/informe seguimientos 2026-11-01 2026-11-15 agente:LUIS</code>"
)
_SUB_USAGE_ES = (
    "Usa: <code>/suscribir TIPO diario|semanal HH:MM [filtros]</code> (semanal = los lunes).\n"
    "Ejemplo: <code>/suscribir seguimientos diario 07:00 agente:LUIS</code>"
)
_SUB_USAGE_EN = (
    "Use: <code>/suscribir TYPE diario|semanal HH:MM [filters]</code> "
    "(diario = daily, semanal = weekly on Mondays).\n"
    "Example: <code>/suscribir seguimientos diario 07:00 agente:LUIS</code>"
)

ES = {
    "report.menu": (
        "📊 <b>Informes en Excel</b>\nElige el informe.\n\n"
        "También puedes escribirlo: <code>/informe seguimientos mes</code>\n"
        "Recíbelo automáticamente con <code>/suscribir</code>."
    ),
    "report.pick_period": "<b>{kind}</b>\nElige el periodo.",
    "report.kind.agenda": "📅 Agenda",
    "report.kind.seguimientos": "📋 Seguimientos",
    "report.kind.actividades": "📝 Actividades",
    "report.kind.cartera": "💰 Cartera",
    "report.kind.desempeno": "📈 Desempeño",
    "report.period.hoy": "Hoy",
    "report.period.ayer": "Ayer",
    "report.period.semana": "Esta semana",
    "report.period.mes": "Este mes",
    "report.back": "◀ Volver",
    "report.working": "⏳ Preparando el informe <b>{kind}</b>…",
    "report.summary": "<b>{kind}</b> · {start} – {end}\nFilas: <b>{rows}</b>",
    "report.summary_filters": "Filtros: {filters}",
    "report.summary_total": "Saldo total: <b>{total}</b>",
    "report.summary_by": "{label}: {items}",
    "report.by.agenda": "Por estado",
    "report.by.seguimientos": "Por estado",
    "report.by.actividades": "Por responsable",
    "report.by.cartera": "Por rango",
    "report.by.desempeno": "Cerrados por responsable",
    "report.empty": "No hay registros para ese periodo y filtros; te envío el archivo vacío.",
    "report.subscription_failed": (
        "⚠️ No pude generar tu informe programado <b>{kind}</b>: {reason}"
    ),
    "subscription.created": (
        "✅ Suscrito: <b>{kind}</b> {frequency} a las {time}{filters}.\n"
        "Primer envío: {next}. Míralas o cancélalas con /suscripciones."
    ),
    "subscription.daily": "diario",
    "subscription.weekly": "semanal (lunes)",
    "subscription.list_title": "🗓 <b>Tus suscripciones</b>",
    "subscription.line": "{n}. <b>{kind}</b> {frequency} {time}{filters} — próximo {next}",
    "subscription.none": (
        "No tienes suscripciones. Crea una con <code>/suscribir seguimientos diario 07:00</code>."
    ),
    "subscription.cancel_button": "❌ Cancelar {n}",
    "subscription.cancelled": "Suscripción cancelada.",
    "error.report_bad_kind": "No conozco el informe «{value}».\n\n" + _USAGE_ES,
    "error.report_bad_argument": "No entendí «{value}».\n\n" + _USAGE_ES,
    "error.report_bad_date": "La fecha «{value}» no existe.\n\n" + _USAGE_ES,
    "error.report_bad_filter": "El filtro «{value}» no es válido.\n\n" + _USAGE_ES,
    "error.report_range_reversed": (
        "La fecha inicial ({start}) es posterior a la final ({end}).\n\n" + _USAGE_ES
    ),
    "error.report_filter_not_for": (
        "El filtro <code>{name}:</code> no aplica al informe {kind}; usa "
        "<code>agente:</code> o <code>nit:</code>.\n"
        "Ejemplo: <code>/informe cartera agente:LUIS</code>"
    ),
    "error.report_unknown_agent": (
        "No existe un agente con el código {code}. Ejemplo: <code>agente:LUIS</code>"
    ),
    "error.report_unknown_type": (
        "No conozco el tipo «{value}». Tipos: {names}.\n"
        'Ejemplo: <code>tipo:"Cobro de cartera"</code>'
    ),
    "error.report_unknown_state": (
        "No conozco el estado «{value}». Estados: activo, cerrado, descartado, {names}.\n"
        "Ejemplo: <code>estado:Pagado</code>"
    ),
    "error.report_too_large": (
        "El informe supera los 50 MB que Telegram permite enviar, así que no lo generé. "
        "Acota el periodo o agrega filtros, por ejemplo "
        "<code>/informe actividades semana agente:LUIS</code>."
    ),
    "error.subscribe_usage": _SUB_USAGE_ES,
    "error.subscribe_bad_frequency": "«{value}» no es una frecuencia.\n\n" + _SUB_USAGE_ES,
    "error.subscribe_bad_time": "«{value}» no es una hora válida.\n\n" + _SUB_USAGE_ES,
    "error.subscribe_limit": "Ya tienes {limit} suscripciones; cancela alguna en /suscripciones.",
    "error.subscribe_needs_user": (
        "Para suscribirte debes estar registrado como usuario (crm-bot users add)."
    ),
}

EN = {
    "report.menu": (
        "📊 <b>Excel reports</b>\nPick the report.\n\n"
        "You can also type it: <code>/informe seguimientos mes</code>\n"
        "Get it automatically with <code>/suscribir</code>."
    ),
    "report.pick_period": "<b>{kind}</b>\nPick the period.",
    "report.kind.agenda": "📅 Agenda",
    "report.kind.seguimientos": "📋 Follow-ups",
    "report.kind.actividades": "📝 Activities",
    "report.kind.cartera": "💰 Cartera",
    "report.kind.desempeno": "📈 Performance",
    "report.period.hoy": "Today",
    "report.period.ayer": "Yesterday",
    "report.period.semana": "This week",
    "report.period.mes": "This month",
    "report.back": "◀ Back",
    "report.working": "⏳ Preparing the <b>{kind}</b> report…",
    "report.summary": "<b>{kind}</b> · {start} – {end}\nRows: <b>{rows}</b>",
    "report.summary_filters": "Filters: {filters}",
    "report.summary_total": "Total balance: <b>{total}</b>",
    "report.summary_by": "{label}: {items}",
    "report.by.agenda": "By state",
    "report.by.seguimientos": "By state",
    "report.by.actividades": "By owner",
    "report.by.cartera": "By aging",
    "report.by.desempeno": "Closed by owner",
    "report.empty": "Nothing matches that period and filters; here is the empty file.",
    "report.subscription_failed": (
        "⚠️ I could not make your scheduled <b>{kind}</b> report: {reason}"
    ),
    "subscription.created": (
        "✅ Subscribed: <b>{kind}</b> {frequency} at {time}{filters}.\n"
        "First delivery: {next}. See or cancel them with /suscripciones."
    ),
    "subscription.daily": "daily",
    "subscription.weekly": "weekly (Mondays)",
    "subscription.list_title": "🗓 <b>Your subscriptions</b>",
    "subscription.line": "{n}. <b>{kind}</b> {frequency} {time}{filters} — next {next}",
    "subscription.none": (
        "You have no subscriptions. Create one with "
        "<code>/suscribir seguimientos diario 07:00</code>."
    ),
    "subscription.cancel_button": "❌ Cancel {n}",
    "subscription.cancelled": "Subscription cancelled.",
    "error.report_bad_kind": "I don't know the report «{value}».\n\n" + _USAGE_EN,
    "error.report_bad_argument": "I didn't understand «{value}».\n\n" + _USAGE_EN,
    "error.report_bad_date": "The date «{value}» does not exist.\n\n" + _USAGE_EN,
    "error.report_bad_filter": "The filter «{value}» is not valid.\n\n" + _USAGE_EN,
    "error.report_range_reversed": (
        "The start date ({start}) is after the end date ({end}).\n\n" + _USAGE_EN
    ),
    "error.report_filter_not_for": (
        "The filter <code>{name}:</code> does not apply to the {kind} report; use "
        "<code>agente:</code> or <code>nit:</code>.\n"
        "Example: <code>/informe cartera agente:LUIS</code>"
    ),
    "error.report_unknown_agent": (
        "There is no agent with code {code}. Example: <code>agente:LUIS</code>"
    ),
    "error.report_unknown_type": (
        "I don't know the type «{value}». Types: {names}.\n"
        'Example: <code>tipo:"Cobro de cartera"</code>'
    ),
    "error.report_unknown_state": (
        "I don't know the state «{value}». States: activo, cerrado, descartado, {names}.\n"
        "Example: <code>estado:Pagado</code>"
    ),
    "error.report_too_large": (
        "The report would exceed the 50 MB Telegram lets bots send, so I did not make it. "
        "Narrow the period or add filters, e.g. "
        "<code>/informe actividades semana agente:LUIS</code>."
    ),
    "error.subscribe_usage": _SUB_USAGE_EN,
    "error.subscribe_bad_frequency": "«{value}» is not a frequency.\n\n" + _SUB_USAGE_EN,
    "error.subscribe_bad_time": "«{value}» is not a valid time.\n\n" + _SUB_USAGE_EN,
    "error.subscribe_limit": (
        "You already have {limit} subscriptions; cancel one in /suscripciones."
    ),
    "error.subscribe_needs_user": (
        "To subscribe you must be registered as a user (crm-bot users add)."
    ),
}
