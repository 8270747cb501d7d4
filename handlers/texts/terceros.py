"""Texts of /tercero: search, the tercero card, documents and the tercero's follow-ups."""

ES = {
    "tercero.ask": (
        "¿Qué tercero buscas? Escribe parte del nombre o el NIT (con o sin dígito de "
        "verificación), o /cancelar."
    ),
    "tercero.none": (
        "No encontré terceros con «{query}» en tu libro.\n"
        "Prueba con una parte del nombre, sin importar tildes ni mayúsculas "
        "(<code>/tercero nunez</code>), o con el NIT con o sin dígito de verificación "
        "(<code>/tercero 900123456</code>)."
    ),
    "tercero.results": (
        "Encontré {total} {total:plural:one=tercero|other=terceros} con «{query}». Elige uno:"
    ),
    "tercero.page": "Página {page} de {pages}",
    "tercero.search_expired": "Esa búsqueda ya no está. Escribe /tercero y lo que buscas.",
    "tercero.card.nit": "NIT: <code>{nit}</code>",
    "tercero.card.address": "📍 {address}",
    "tercero.card.phones": "📞 {phones}",
    "tercero.card.email": "✉️ {email}",
    "tercero.card.encargado": "👤 Encargado: {name}",
    "tercero.card.no_encargado": "👤 Sin encargado",
    "tercero.card.followups": (
        "📋 Seguimientos: {open} {open:plural:one=abierto|other=abiertos} · {overdue} "
        "{overdue:plural:one=vencido|other=vencidos}"
    ),
    "tercero.card.cartera": "💰 Cartera: {total} · vencida {overdue}",
    "tercero.button.documents": "📄 Documentos",
    "tercero.button.cartera": "💰 Cartera",
    "tercero.button.followups": "📋 Seguimientos",
    "tercero.button.new": "➕ Nuevo seguimiento",
    "tercero.button.reassign": "🔁 Reasignar",
    "tercero.button.back": "◀ Tercero",
    "tercero.button.all_types": "Todos",
    "tercero.button.since": "📅 Desde",
    "tercero.button.until": "📅 Hasta",
    "tercero.button.clear_period": "✖ Quitar periodo",
    "tercero.docs.title": "📄 Documentos de <b>{name}</b>",
    "tercero.docs.filter": "Tipo: {type} · Periodo: {period}",
    "tercero.docs.all_types": "todos",
    "tercero.docs.any_period": "todo",
    "tercero.docs.count": (
        "{total} {total:plural:one=documento|other=documentos} · página {page} de {pages}"
    ),
    "tercero.docs.none": "No hay documentos con ese filtro.",
    "tercero.docs.line": ("<b>{label}</b> · {date}{due}\n   Valor {value} · Saldo {balance}"),
    "tercero.docs.due": " · vence {due}",
    "tercero.docs.ask_since": (
        "Escribe la fecha <b>desde</b> (DD/MM/AAAA, también <code>hoy</code> o "
        "<code>ayer</code>), o /cancelar."
    ),
    "tercero.docs.ask_until": (
        "Escribe la fecha <b>hasta</b> (DD/MM/AAAA, también <code>hoy</code> o "
        "<code>ayer</code>), o /cancelar."
    ),
    "tercero.fus.title": "📋 Seguimientos de <b>{name}</b> ({total})",
    "tercero.fus.none": "No tiene seguimientos que puedas ver.",
    "tercero.fus.line": "#{id} {type} · {status} · {owner}",
    "tercero.fus.active_due": "vence {due}",
    "tercero.fus.overdue": "⚠️ vencido {due}",
    "tercero.fus.closed": "cerrado",
    "tercero.fus.discarded": "descartado",
    "tercero.fus.button": "#{id} {type} · {when}",
    "error.tercero_search_length": (
        "Escribe entre {min} y {max} caracteres: parte del nombre o el NIT."
    ),
    "error.tercero_bad_date": (
        "No entendí la fecha. Escríbela como DD/MM/AAAA, por ejemplo <code>05/12/2026</code>."
    ),
    "error.tercero_period_reversed": "La fecha «desde» es posterior a «hasta». Revisa el periodo.",
}

EN = {
    "tercero.ask": (
        "Which tercero are you looking for? Type part of the name or the NIT (with or without "
        "its check digit), or /cancelar."
    ),
    "tercero.none": (
        "I found no terceros matching «{query}» in your book.\n"
        "Try part of the name, accents and case do not matter "
        "(<code>/tercero nunez</code>), or the NIT with or without its check digit "
        "(<code>/tercero 900123456</code>)."
    ),
    "tercero.results": (
        "I found {total} {total:plural:one=tercero|other=terceros} matching «{query}». Pick one:"
    ),
    "tercero.page": "Page {page} of {pages}",
    "tercero.search_expired": "That search is gone. Type /tercero and what you are looking for.",
    "tercero.card.nit": "NIT: <code>{nit}</code>",
    "tercero.card.address": "📍 {address}",
    "tercero.card.phones": "📞 {phones}",
    "tercero.card.email": "✉️ {email}",
    "tercero.card.encargado": "👤 Account manager: {name}",
    "tercero.card.no_encargado": "👤 No account manager",
    "tercero.card.followups": "📋 Follow-ups: {open} open · {overdue} overdue",
    "tercero.card.cartera": "💰 Receivables: {total} · overdue {overdue}",
    "tercero.button.documents": "📄 Documents",
    "tercero.button.cartera": "💰 Cartera",
    "tercero.button.followups": "📋 Seguimientos",
    "tercero.button.new": "➕ New follow-up",
    "tercero.button.reassign": "🔁 Reassign",
    "tercero.button.back": "◀ Tercero",
    "tercero.button.all_types": "All",
    "tercero.button.since": "📅 From",
    "tercero.button.until": "📅 To",
    "tercero.button.clear_period": "✖ Clear period",
    "tercero.docs.title": "📄 Documents of <b>{name}</b>",
    "tercero.docs.filter": "Type: {type} · Period: {period}",
    "tercero.docs.all_types": "all",
    "tercero.docs.any_period": "any",
    "tercero.docs.count": (
        "{total} {total:plural:one=document|other=documents} · page {page} of {pages}"
    ),
    "tercero.docs.none": "No documents match that filter.",
    "tercero.docs.line": ("<b>{label}</b> · {date}{due}\n   Value {value} · Balance {balance}"),
    "tercero.docs.due": " · due {due}",
    "tercero.docs.ask_since": (
        "Type the <b>from</b> date (DD/MM/YYYY, or <code>today</code>, <code>yesterday</code>), "
        "or /cancelar."
    ),
    "tercero.docs.ask_until": (
        "Type the <b>to</b> date (DD/MM/YYYY, or <code>today</code>, <code>yesterday</code>), "
        "or /cancelar."
    ),
    "tercero.fus.title": "📋 Follow-ups of <b>{name}</b> ({total})",
    "tercero.fus.none": "It has no follow-ups you can see.",
    "tercero.fus.line": "#{id} {type} · {status} · {owner}",
    "tercero.fus.active_due": "due {due}",
    "tercero.fus.overdue": "⚠️ overdue {due}",
    "tercero.fus.closed": "closed",
    "tercero.fus.discarded": "discarded",
    "tercero.fus.button": "#{id} {type} · {when}",
    "error.tercero_search_length": (
        "Type between {min} and {max} characters: part of the name or the NIT."
    ),
    "error.tercero_bad_date": "I did not understand the date. Type it as DD/MM/YYYY, e.g. "
    "<code>05/12/2026</code>.",
    "error.tercero_period_reversed": "The «from» date is after the «to» date. Check the period.",
}
