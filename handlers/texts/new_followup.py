"""/nuevo texts."""

ES = {
    "nv.ask_tercero": (
        "🆕 <b>Nuevo seguimiento</b>\nEscribe parte del nombre o el NIT del tercero."
    ),
    "nv.no_results": (
        "No encontré terceros de tu cartera con «{text}». Escribe otra parte del nombre o el NIT."
    ),
    "nv.results": "Elige el tercero ({count}):",
    "nv.results_more": (
        "Estos son los primeros {count}; si no está, escribe más letras del nombre o el NIT."
    ),
    "nv.ask_type": "Tercero: <b>{tercero}</b>\n¿Qué tipo de seguimiento?",
    "nv.ask_owner": "¿Quién será el responsable?",
    "nv.ask_due": (
        "¿Cuándo vence? Elige una opción o escribe, por ejemplo, <code>en 5 h</code>, "
        "<code>mañana 8:00</code> o <code>DD/MM HH:MM</code>."
    ),
    "nv.b_in_hours": "en {hours} h",
    "nv.b_tomorrow": "mañana 8:00",
    "nv.ask_note": "Escribe una nota (opcional) o pulsa «Sin nota».",
    "nv.b_no_note": "Sin nota",
    "nv.summary": (
        "🆕 <b>Confirma el nuevo seguimiento</b>\n"
        "Tercero: <b>{tercero}</b> · NIT {nit}\n"
        "Tipo: {type}\n"
        "Responsable: {owner}\n"
        "Vence: {due} ({relative})\n"
        "Nota: {note}"
    ),
    "nv.b_create": "✅ Crear",
    "nv.b_cancel": "✖ Cancelar",
    "nv.done": "Seguimiento #{id} creado.",
    "error.new_query_short": "Escribe al menos {min} letras del nombre o del NIT.",
    "error.new_bad_due": (
        "No entendí la fecha. Escribe por ejemplo <code>en 5 h</code>, <code>mañana 8:00</code>, "
        "<code>17:30</code>, <code>05/12 10:00</code> o <code>2026-12-05 09:30</code>."
    ),
}

EN = {
    "nv.ask_tercero": "🆕 <b>New follow-up</b>\nType part of the tercero's name or its NIT.",
    "nv.no_results": (
        "I found no tercero of your book matching «{text}». Type another part of the name or "
        "the NIT."
    ),
    "nv.results": "Pick the tercero ({count}):",
    "nv.results_more": (
        "These are the first {count}; if yours is missing, type more of the name or the NIT."
    ),
    "nv.ask_type": "Tercero: <b>{tercero}</b>\nWhich type of follow-up?",
    "nv.ask_owner": "Who will own it?",
    "nv.ask_due": (
        "When is it due? Pick an option or type, for example, <code>en 5 h</code>, "
        "<code>mañana 8:00</code> or <code>DD/MM HH:MM</code>."
    ),
    "nv.b_in_hours": "in {hours} h",
    "nv.b_tomorrow": "tomorrow 8:00",
    "nv.ask_note": "Type a note (optional) or press «No note».",
    "nv.b_no_note": "No note",
    "nv.summary": (
        "🆕 <b>Confirm the new follow-up</b>\n"
        "Tercero: <b>{tercero}</b> · NIT {nit}\n"
        "Type: {type}\n"
        "Owner: {owner}\n"
        "Due: {due} ({relative})\n"
        "Note: {note}"
    ),
    "nv.b_create": "✅ Create",
    "nv.b_cancel": "✖ Cancel",
    "nv.done": "Follow-up #{id} created.",
    "error.new_query_short": "Type at least {min} letters of the name or the NIT.",
    "error.new_bad_due": (
        "I did not understand the date. Type for example <code>en 5 h</code>, "
        "<code>mañana 8:00</code>, <code>17:30</code>, <code>05/12 10:00</code> or "
        "<code>2026-12-05 09:30</code>."
    ),
}
