"""The pending question: cancel, left, expired, hints."""

ES = {
    "ask.b_cancel": "✖ Cancelar",
    "ask.b_share_location": "📍 Compartir mi ubicación",
    "ask.left": "<i>↩️ Dejaste esta pregunta sin responder.</i>",
    "ask.cancelled_note": "<i>✖ Listo, cancelado.</i>",
    "ask.expired_note": "<i>⌛ Pregunta vencida (15 minutos sin respuesta).</i>",
    "ask.cancelled": "Listo, cancelado: {what}. Nada cambió.",
    "ask.cancelled_short": "Cancelado: {what}. Nada cambió.",
    "ask.already_left": "Esa pregunta ya no está abierta.",
    "ask.thanks": "Gracias, recibido.",
    "ask.need_text": "Necesito un texto para esta pregunta (o toca ✖ Cancelar).",
    "ask.need_location": (
        "Para esta pregunta comparte tu ubicación con el botón 📍 (o toca ✖ Cancelar)."
    ),
    "ask.need_photo": "Para esta pregunta envía una foto (o toca ✖ Cancelar).",
    "ask.need_media": (
        "Envía una foto, un documento o una ubicación para esta pregunta (o toca ✖ Cancelar)."
    ),
    "ask.hint": (
        "No estoy esperando un texto ahora. Usa los botones de los mensajes, o escribe "
        "/agenda, /nuevo, /tercero TEXTO o /ayuda."
    ),
    "ask.hint_media": (
        "No estoy esperando un archivo ahora. Para adjuntarlo a un seguimiento abre su tarjeta "
        "y toca 📎 Adjuntar (o escribe /ayuda)."
    ),
    "ask.what.fu.hours": "las horas para posponer #{id}",
    "ask.what.fu.close_note": "la nota de cierre de #{id}",
    "ask.what.fu.cont_due": "la fecha de la continuación de #{id}",
    "ask.what.fu.discard_reason": "el motivo del descarte de #{id}",
    "ask.what.fu.activity_note": "la nota de la actividad de #{id}",
    "ask.what.fu.observation": "la observación de #{id}",
    "ask.what.fu.attach": "el adjunto de #{id}",
    "ask.what.nv.tercero": "la búsqueda del tercero de /nuevo",
    "ask.what.nv.due": "el vencimiento del nuevo seguimiento",
    "ask.what.nv.note": "la nota del nuevo seguimiento",
    "ask.what.te.search": "la búsqueda de /tercero",
    "ask.what.te.date": "la fecha del filtro de documentos",
    "ask.what.cf.name": "el nombre en /config",
    "ask.what.cf.hours": "las horas en /config",
    "ask.what.cf.content": "el contenido del documento soporte",
    "ask.what.ca.amount": "el valor del compromiso de #{id}",
    "ask.what.ca.date": "la fecha del compromiso de #{id}",
}

EN = {
    "ask.b_cancel": "✖ Cancel",
    "ask.b_share_location": "📍 Share my location",
    "ask.left": "<i>↩️ You left this question unanswered.</i>",
    "ask.cancelled_note": "<i>✖ Done, cancelled.</i>",
    "ask.expired_note": "<i>⌛ Question expired (15 minutes without an answer).</i>",
    "ask.cancelled": "Done, cancelled: {what}. Nothing changed.",
    "ask.cancelled_short": "Cancelled: {what}. Nothing changed.",
    "ask.already_left": "That question is no longer open.",
    "ask.thanks": "Thanks, received.",
    "ask.need_text": "This question needs typed text (or tap ✖ Cancel).",
    "ask.need_location": (
        "For this question share your location with the 📍 button (or tap ✖ Cancel)."
    ),
    "ask.need_photo": "For this question send a photo (or tap ✖ Cancel).",
    "ask.need_media": (
        "For this question send a photo, a document or a location (or tap ✖ Cancel)."
    ),
    "ask.hint": (
        "I am not waiting for text right now. Use the buttons on the messages, or send "
        "/agenda, /nuevo, /tercero TEXT or /ayuda."
    ),
    "ask.hint_media": (
        "I am not waiting for a file right now. To attach it to a follow-up open its card and "
        "tap 📎 Attach (or send /ayuda)."
    ),
    "ask.what.fu.hours": "the hours to postpone #{id}",
    "ask.what.fu.close_note": "the closing note of #{id}",
    "ask.what.fu.cont_due": "the due date of the continuation of #{id}",
    "ask.what.fu.discard_reason": "the reason to discard #{id}",
    "ask.what.fu.activity_note": "the activity note of #{id}",
    "ask.what.fu.observation": "the observation of #{id}",
    "ask.what.fu.attach": "the attachment of #{id}",
    "ask.what.nv.tercero": "the tercero search of /nuevo",
    "ask.what.nv.due": "the due date of the new follow-up",
    "ask.what.nv.note": "the note of the new follow-up",
    "ask.what.te.search": "the /tercero search",
    "ask.what.te.date": "the date of the documents filter",
    "ask.what.cf.name": "the name in /config",
    "ask.what.cf.hours": "the hours in /config",
    "ask.what.cf.content": "the support document content",
    "ask.what.ca.amount": "the promise amount of #{id}",
    "ask.what.ca.date": "the promise date of #{id}",
}
