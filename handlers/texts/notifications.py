"""Due pings, snooze from the ping, the morning digest, escalation and unreachable users."""

ES = {
    "nt.ping.title": "🔔 <b>Seguimiento vencido</b> · {relative}",
    "nt.ping.title_now": "🔔 <b>Seguimiento para ahora</b>",
    "nt.ping.tercero": "👤 <b>{name}</b> · NIT {nit}",
    "nt.ping.phone": "📞 {phones}",
    "nt.ping.type": "📋 {type}",
    "nt.ping.due": "⏰ Vence: {due}",
    "nt.ping.note": "📝 {note}",
    "nt.ping.document": "📄 {document} · saldo {balance}",
    "nt.btn.h1": "+1 h",
    "nt.btn.h4": "+4 h",
    "nt.btn.tm": "Mañana",
    "nt.btn.close": "Cerrar",
    "nt.btn.open": "Abrir",
    "nt.group.title": (
        "🔔 <b>{count} {count:plural:one=seguimiento vencido|other=seguimientos vencidos}</b>. "
        "Toca uno para abrirlo:"
    ),
    "nt.group.line": "{n}. <b>{tercero}</b> — {type} — {due}",
    "nt.more": "… y {count} más. Escribe /agenda para verlos todos.",
    "nt.snoozed": (
        "⏰ Pospuesto: <b>{tercero}</b> ({type})\nNuevo vencimiento: {due}. Te aviso entonces."
    ),
    "nt.snoozed_toast": "Pospuesto hasta {due}",
    "nt.stale": (
        "Este aviso quedó desactualizado: el seguimiento cambió después. Toca «Abrir» para "
        "verlo como está ahora."
    ),
    "nt.digest.title": "☀️ <b>Buenos días, {name}.</b>",
    "nt.digest.counts": "Vencidos: <b>{overdue}</b> · Para hoy: <b>{today}</b>",
    "nt.digest.first": "Los primeros:",
    "nt.digest.line": "• {due} <b>{tercero}</b> — {type}",
    "nt.digest.footer": "Escribe /agenda para ver todo.",
    "nt.escalation.title": "⚠️ <b>Seguimientos vencidos hace más de {hours} h</b>",
    "nt.escalation.agent": "Agente: <b>{agent}</b> ({code}) — {count}",
    "nt.escalation.line": "• <b>{tercero}</b> — {type} — venció {due} ({relative})",
    "nt.unreachable": (
        "🚫 <b>{name}</b> ({code}) bloqueó el bot o ya no recibe sus mensajes: no le llegarán "
        "avisos hasta que vuelva a escribirle al bot.\nTiene {count} "
        "{count:plural:one=seguimiento activo|other=seguimientos activos}."
    ),
}

EN = {
    "nt.ping.title": "🔔 <b>Follow-up overdue</b> · {relative}",
    "nt.ping.title_now": "🔔 <b>Follow-up due now</b>",
    "nt.ping.tercero": "👤 <b>{name}</b> · NIT {nit}",
    "nt.ping.phone": "📞 {phones}",
    "nt.ping.type": "📋 {type}",
    "nt.ping.due": "⏰ Due: {due}",
    "nt.ping.note": "📝 {note}",
    "nt.ping.document": "📄 {document} · balance {balance}",
    "nt.btn.h1": "+1 h",
    "nt.btn.h4": "+4 h",
    "nt.btn.tm": "Tomorrow",
    "nt.btn.close": "Close",
    "nt.btn.open": "Open",
    "nt.group.title": (
        "🔔 <b>{count} {count:plural:one=follow-up|other=follow-ups} due</b>. Tap one to open it:"
    ),
    "nt.group.line": "{n}. <b>{tercero}</b> — {type} — {due}",
    "nt.more": "… and {count} more. Type /agenda to see them all.",
    "nt.snoozed": (
        "⏰ Postponed: <b>{tercero}</b> ({type})\nNew due time: {due}. I'll remind you then."
    ),
    "nt.snoozed_toast": "Postponed until {due}",
    "nt.stale": (
        "This reminder is out of date: the follow-up changed since. Tap “Open” to see it as it "
        "is now."
    ),
    "nt.digest.title": "☀️ <b>Good morning, {name}.</b>",
    "nt.digest.counts": "Overdue: <b>{overdue}</b> · Due today: <b>{today}</b>",
    "nt.digest.first": "First up:",
    "nt.digest.line": "• {due} <b>{tercero}</b> — {type}",
    "nt.digest.footer": "Type /agenda to see everything.",
    "nt.escalation.title": "⚠️ <b>Follow-ups overdue for more than {hours} h</b>",
    "nt.escalation.agent": "Agent: <b>{agent}</b> ({code}) — {count}",
    "nt.escalation.line": "• <b>{tercero}</b> — {type} — was due {due} ({relative})",
    "nt.unreachable": (
        "🚫 <b>{name}</b> ({code}) blocked the bot or no longer receives its messages: they "
        "will get no reminders until they write to the bot again.\nThey have {count} active "
        "{count:plural:one=follow-up|other=follow-ups}."
    ),
}
