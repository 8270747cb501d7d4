"""`crm-bot import usuarios` row problems and `crm-bot users link|activate`."""

ES = {
    "import.problem.bad_role": (
        "rol no válido «{value}»: agente, supervisor o administrador (o agent, admin)"
    ),
    "import.problem.bad_yes_no": "«{value}» no es si o no",
    "import.problem.bad_telegram_id": "«{value}» no es un id de Telegram (solo dígitos)",
    "import.problem.bad_user_code": (
        "código no válido «{value}»: letras, dígitos, _ o -, hasta 40 caracteres"
    ),
    "import.problem.telegram_taken": "el id de Telegram {value} ya es del usuario {code}",
    "import.problem.own_supervisor": "{value} no puede ser su propio supervisor",
    "import.problem.not_supervisor": "«{value}» no tiene el rol supervisor",
    "import.problem.not_agent": "solo un agente tiene supervisor; {value} no es agente",
    "cli.users.link": (
        "Enlace de un solo uso para {code} ({name}), válido hasta {expires}. Quien lo abra "
        "primero en Telegram queda como {code}:\n{link}"
    ),
    "cli.users.link_no_bot": (
        "no se pudo saber el @usuario del bot ({reason}); indíquelo con --bot NOMBRE_bot"
    ),
    "cli.users.activated": "usuario {code} activado",
    "cli.users.deactivated": "usuario {code} desactivado",
    "cli.users.added": "usuario {code} ({name}, {role}) registrado",
    "cli.users.header": "CÓDIGO|ID TELEGRAM|ROL|SUPERVISOR|ESTADO|NOMBRE",
    "cli.users.active": "activo",
    "cli.users.inactive": "inactivo",
    "cli.users.pending": "pendiente",
    "error.user_linked": (
        "{code} ya tiene una cuenta de Telegram ({telegram_id}); no necesita enlace"
    ),
}

EN = {
    "import.problem.bad_role": (
        "invalid role “{value}”: agent, supervisor or admin (or agente, administrador)"
    ),
    "import.problem.bad_yes_no": "“{value}” is not yes or no (si/no)",
    "import.problem.bad_telegram_id": "“{value}” is not a Telegram id (digits only)",
    "import.problem.bad_user_code": (
        "invalid code “{value}”: letters, digits, _ or -, up to 40 characters"
    ),
    "import.problem.telegram_taken": "Telegram id {value} already belongs to user {code}",
    "import.problem.own_supervisor": "{value} cannot be their own supervisor",
    "import.problem.not_supervisor": "“{value}” does not have the supervisor role",
    "import.problem.not_agent": "only an agent has a supervisor; {value} is not an agent",
    "cli.users.link": (
        "One-time link for {code} ({name}), valid until {expires}. Whoever opens it first in "
        "Telegram becomes {code}:\n{link}"
    ),
    "cli.users.link_no_bot": (
        "could not learn the bot's @username ({reason}); give it with --bot NAME_bot"
    ),
    "cli.users.activated": "user {code} activated",
    "cli.users.deactivated": "user {code} deactivated",
    "cli.users.added": "user {code} ({name}, {role}) added",
    "cli.users.header": "CODE|TELEGRAM ID|ROLE|SUPERVISOR|STATUS|NAME",
    "cli.users.active": "active",
    "cli.users.inactive": "inactive",
    "cli.users.pending": "pending",
    "error.user_linked": "{code} already has a Telegram account ({telegram_id}); no link needed",
}
