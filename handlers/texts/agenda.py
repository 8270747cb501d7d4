"""/agenda texts."""

ES = {
    "agenda.title": "📋 <b>Agenda</b>",
    "agenda.period_all": "todos",
    "agenda.period_today": "hoy",
    "agenda.period_overdue": "vencidos",
    "agenda.period_day": "día {day}",
    "agenda.period_range": "del {start} al {end}",
    "agenda.f_type": "tipo: {name}",
    "agenda.f_state": "estado: {name}",
    "agenda.f_agent": "agente: {code}",
    "agenda.team": "equipo",
    "agenda.everyone": "todo el equipo comercial",
    "agenda.empty": "No hay seguimientos activos con estos filtros. 🎉",
    "agenda.section_overdue": "Vencidos ({count})",
    "agenda.section_today": "Hoy ({count})",
    "agenda.section_upcoming": "Próximos ({count})",
    "agenda.footer": (
        "Página {page}/{pages} · {total} {total:plural:one=seguimiento|other=seguimientos} · "
        "{overdue} {overdue:plural:one=vencido|other=vencidos}"
    ),
    "agenda.b_all": "Todos",
    "agenda.b_today": "Hoy",
    "agenda.b_overdue": "Vencidos",
    "agenda.b_tomorrow": "Mañana",
    "agenda.b_week": "7 días",
    "agenda.b_type": "{mark}Tipo ▾",
    "agenda.b_state": "{mark}Estado ▾",
    "agenda.b_agent": "{mark}Agente ▾",
    "agenda.all_types": "Todos los tipos",
    "agenda.all_states": "Todos los estados",
    "agenda.all_agents": "Todos los agentes",
    "agenda.back": "◀ Volver",
    "error.agenda_bad_date": (
        "«{value}» no es una fecha válida. Usa AAAA-MM-DD, por ejemplo <code>2026-12-01</code>."
    ),
    "error.agenda_bad_range": (
        "Rango no válido: usa <code>/agenda AAAA-MM-DD AAAA-MM-DD</code> con la primera fecha "
        "antes de la segunda (máximo un año)."
    ),
    "error.agenda_bad_arg": (
        "No entendí «{value}». Usa: <code>/agenda</code>, <code>hoy</code>, "
        "<code>vencidos</code>, <code>AAAA-MM-DD</code> [<code>AAAA-MM-DD</code>], "
        "<code>tipo:NOMBRE</code>, <code>estado:NOMBRE</code> o <code>agente:CODIGO</code>."
    ),
    "error.agenda_unknown_type": "No existe el tipo «{value}». Tipos válidos: {valid}.",
    "error.agenda_unknown_state": "No existe el estado «{value}». Estados válidos: {valid}.",
    "error.agenda_unknown_agent": "No existe un agente con el código {code}.",
}

EN = {
    "agenda.title": "📋 <b>Agenda</b>",
    "agenda.period_all": "all",
    "agenda.period_today": "today",
    "agenda.period_overdue": "overdue",
    "agenda.period_day": "day {day}",
    "agenda.period_range": "from {start} to {end}",
    "agenda.f_type": "type: {name}",
    "agenda.f_state": "state: {name}",
    "agenda.f_agent": "agent: {code}",
    "agenda.team": "team",
    "agenda.everyone": "the whole sales force",
    "agenda.empty": "No active follow-ups match these filters. 🎉",
    "agenda.section_overdue": "Overdue ({count})",
    "agenda.section_today": "Today ({count})",
    "agenda.section_upcoming": "Upcoming ({count})",
    "agenda.footer": (
        "Page {page}/{pages} · {total} {total:plural:one=follow-up|other=follow-ups} · {overdue} "
        "overdue"
    ),
    "agenda.b_all": "All",
    "agenda.b_today": "Today",
    "agenda.b_overdue": "Overdue",
    "agenda.b_tomorrow": "Tomorrow",
    "agenda.b_week": "7 days",
    "agenda.b_type": "{mark}Type ▾",
    "agenda.b_state": "{mark}State ▾",
    "agenda.b_agent": "{mark}Agent ▾",
    "agenda.all_types": "All types",
    "agenda.all_states": "All states",
    "agenda.all_agents": "All agents",
    "agenda.back": "◀ Back",
    "error.agenda_bad_date": (
        "«{value}» is not a valid date. Use YYYY-MM-DD, for example <code>2026-12-01</code>."
    ),
    "error.agenda_bad_range": (
        "Invalid range: use <code>/agenda YYYY-MM-DD YYYY-MM-DD</code> with the first date "
        "before the second (one year at most)."
    ),
    "error.agenda_bad_arg": (
        "I did not understand «{value}». Use: <code>/agenda</code>, <code>hoy</code>, "
        "<code>vencidos</code>, <code>YYYY-MM-DD</code> [<code>YYYY-MM-DD</code>], "
        "<code>tipo:NAME</code>, <code>estado:NAME</code> or <code>agente:CODE</code>."
    ),
    "error.agenda_unknown_type": "There is no type «{value}». Valid types: {valid}.",
    "error.agenda_unknown_state": "There is no state «{value}». Valid states: {valid}.",
    "error.agenda_unknown_agent": "There is no agent with code {code}.",
}
