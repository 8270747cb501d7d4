"""Greeting, help, access refusal and the generic errors."""

ES = {
    "gate.refused": (
        "Hola. Este bot es solo para el equipo comercial registrado.\n"
        "Tu id de Telegram es <code>{telegram_id}</code>: envíaselo a un administrador para "
        "que te registre."
    ),
    "gate.refused_short": (
        "No tienes acceso a este bot. Tu id de Telegram es {telegram_id}: envíaselo a un "
        "administrador para que te registre."
    ),
    "start.greeting": "¡Hola, {name}! Estás registrado como <b>{role}</b>.\n\n{help}",
    "role.agent": "agente",
    "role.supervisor": "supervisor",
    "role.admin": "administrador",
    "help.title": "Esto es lo que puedes hacer:",
    "help.agent": (
        "/agenda — tus seguimientos activos (vencidos, hoy, próximos)\n"
        "/nuevo — crear un seguimiento\n"
        "/tercero TEXTO — buscar un tercero por nombre o NIT\n"
        "/cartera — cartera por edades de tu libro\n"
        "/ruta — la ruta del día desde donde estás; /cerca — terceros a tu alrededor\n"
        "/informe — informes en Excel (por ejemplo <code>/informe seguimientos mes</code>)\n"
        "/suscribir — recibir un informe cada día o cada semana; /suscripciones para verlas\n"
        "/cancelar — salir de cualquier conversación"
    ),
    "help.supervisor": (
        "\n\nComo supervisor también ves la agenda y la cartera de tu equipo "
        "(<code>agente:CODIGO</code>), puedes invitar agentes (/invitar), ver tu equipo "
        "(/usuarios) y reasignar (/reasignar)."
    ),
    "help.admin": (
        "\n\nComo administrador: /usuarios, /invitar, /config (tipos, estados, actividades, "
        "documentos soporte), /reasignar y /auditoria."
    ),
    "cancel.done": "Listo, cancelado. Escribe /agenda para ver tus seguimientos.",
    "cancel.nothing": "No hay nada que cancelar.",
    "conversation.timeout": "La conversación quedó inactiva y la cerré. Puedes empezar de nuevo.",
    "error.generic": "No pude completar eso. Intenta de nuevo.",
    "error.internal": "Algo salió mal de nuestro lado. Ya quedó registrado; intenta de nuevo.",
    "error.not_authorized": "No autorizado: no puedes hacer eso.",
    "error.not_found": "No encontré ese registro. Puede que ya no exista.",
    "error.already_finished": "Ese seguimiento ya está cerrado o descartado; no se cambió nada.",
    "error.stale": "Ese seguimiento cambió mientras tanto. Te muestro la versión actual.",
    "error.invalid_input": "No entendí ese dato. Revisa e intenta de nuevo.",
    "error.duplicate": "Ya existe un registro con ese dato.",
    "error.bad_role": "Rol «{role}» no válido. Usa uno de: {roles}.",
    "error.user_fields": "El nombre y el código son obligatorios.",
    "error.duplicate_user": "Ya existe un usuario con ese {field}: {value}.",
    "error.unknown_supervisor": "No existe un supervisor con el código {code}.",
    "error.unknown_user": "No existe un usuario con el código {code}.",
    "error.bad_button": "Ese botón ya no es válido. Abre de nuevo el menú.",
    "error.unknown_command": "No conozco ese comando. Escribe /ayuda para ver los disponibles.",
    "command.start": "Inicio",
    "command.ayuda": "Qué puedo hacer",
    "command.agenda": "Mis seguimientos activos",
    "command.nuevo": "Crear un seguimiento",
    "command.tercero": "Buscar un tercero",
    "command.cartera": "Cartera por edades",
    "command.informe": "Informes en Excel",
    "command.cancelar": "Cancelar la conversación",
}

EN = {
    "gate.refused": (
        "Hello. This bot is only for the registered sales team.\n"
        "Your Telegram id is <code>{telegram_id}</code>: send it to an administrator to get "
        "registered."
    ),
    "gate.refused_short": (
        "You have no access to this bot. Your Telegram id is {telegram_id}: send it to an "
        "administrator to get registered."
    ),
    "start.greeting": "Hello, {name}! You are registered as <b>{role}</b>.\n\n{help}",
    "role.agent": "agent",
    "role.supervisor": "supervisor",
    "role.admin": "administrator",
    "help.title": "This is what you can do:",
    "help.agent": (
        "/agenda — your active follow-ups (overdue, today, upcoming)\n"
        "/nuevo — create a follow-up\n"
        "/tercero TEXT — find a tercero by name or NIT\n"
        "/cartera — your book's cartera by age\n"
        "/ruta — today's route from where you are; /cerca — terceros around you\n"
        "/informe — Excel reports (e.g. <code>/informe seguimientos mes</code>)\n"
        "/suscribir — get a report every day or week; /suscripciones to list them\n"
        "/cancelar — leave any conversation"
    ),
    "help.supervisor": (
        "\n\nAs a supervisor you also see your team's agenda and cartera "
        "(<code>agente:CODE</code>), can invite agents (/invitar), see your team (/usuarios) "
        "and reassign (/reasignar)."
    ),
    "help.admin": (
        "\n\nAs an administrator: /usuarios, /invitar, /config (types, states, activities, "
        "support documents), /reasignar and /auditoria."
    ),
    "cancel.done": "Done, cancelled. Type /agenda to see your follow-ups.",
    "cancel.nothing": "There is nothing to cancel.",
    "conversation.timeout": "The conversation was idle so I closed it. You can start again.",
    "error.generic": "I could not complete that. Please try again.",
    "error.internal": "Something went wrong on our side. It has been logged; please try again.",
    "error.not_authorized": "Not authorized: you cannot do that.",
    "error.not_found": "I could not find that record. It may no longer exist.",
    "error.already_finished": "That follow-up is already closed or discarded; nothing changed.",
    "error.stale": "That follow-up changed meanwhile. Here is the current version.",
    "error.invalid_input": "I did not understand that. Please check and try again.",
    "error.duplicate": "A record with that value already exists.",
    "error.bad_role": "Role «{role}» is not valid. Use one of: {roles}.",
    "error.user_fields": "Name and code are required.",
    "error.duplicate_user": "A user with that {field} already exists: {value}.",
    "error.unknown_supervisor": "There is no supervisor with code {code}.",
    "error.unknown_user": "There is no user with code {code}.",
    "error.bad_button": "That button is no longer valid. Open the menu again.",
    "error.unknown_command": "I don't know that command. Type /ayuda to see the available ones.",
    "command.start": "Start",
    "command.ayuda": "What I can do",
    "command.agenda": "My active follow-ups",
    "command.nuevo": "Create a follow-up",
    "command.tercero": "Find a tercero",
    "command.cartera": "Cartera by age",
    "command.informe": "Excel reports",
    "command.cancelar": "Cancel the conversation",
}
