"""Messages for the follow-up use cases' refusals."""

ES = {
    "error.bad_hours": (
        "Escribe un número entero de horas entre {min} y {max}, por ejemplo <code>6</code>."
    ),
    "error.text_too_long": (
        "El texto tiene {length} caracteres y el máximo es {limit}. Acórtalo y envíalo de nuevo."
    ),
    "error.owner_required": "Falta el responsable del seguimiento.",
    "error.owner_inactive": "Ese responsable no existe o está inactivo.",
    "error.unknown_type": "Ese tipo de seguimiento no existe o está inactivo.",
    "error.document_not_of_tercero": "Ese documento no pertenece al tercero.",
    "error.due_in_past": "La fecha de vencimiento debe ser futura.",
    "error.bad_close_state": "Elige un estado de cierre válido.",
    "error.discard_reason_required": "Para descartar indica un motivo.",
    "error.bad_discard_state": "Elige un motivo de descarte válido.",
    "error.continue_needs_closed": "Solo se puede continuar un seguimiento cerrado.",
    "error.already_continued": "Este seguimiento ya tiene una continuación (#{id}).",
    "error.unknown_activity": "Esa actividad no existe o está inactiva.",
    "error.empty_text": "El texto está vacío. Escribe algo o usa /cancelar.",
    "error.bad_attachment": "Envía una foto, un documento o tu ubicación.",
}

EN = {
    "error.bad_hours": "Type a whole number of hours from {min} to {max}, e.g. <code>6</code>.",
    "error.text_too_long": (
        "The text has {length} characters and the maximum is {limit}. Shorten it and resend."
    ),
    "error.owner_required": "The follow-up needs an owner.",
    "error.owner_inactive": "That owner does not exist or is inactive.",
    "error.unknown_type": "That follow-up type does not exist or is inactive.",
    "error.document_not_of_tercero": "That document does not belong to the tercero.",
    "error.due_in_past": "The due date must be in the future.",
    "error.bad_close_state": "Pick a valid closing state.",
    "error.discard_reason_required": "Give a reason to discard.",
    "error.bad_discard_state": "Pick a valid discard reason.",
    "error.continue_needs_closed": "Only a closed follow-up can be continued.",
    "error.already_continued": "This follow-up was already continued (#{id}); go on from there.",
    "error.unknown_activity": "That activity does not exist or is inactive.",
    "error.empty_text": "The text is empty. Type something or use /cancelar.",
    "error.bad_attachment": "Send a photo, a document or your location.",
}
