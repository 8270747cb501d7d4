"""`crm-bot --help`: every command's and option's help, Spanish and English."""

ES = {
    "cli.help.positionals": "argumentos",
    "cli.help.options": "opciones",
    "cli.help.help": "muestra esta ayuda y termina",
    "cli.help.usage": "uso",
    "cli.help.error": "error",
    "cli.help.description": "Seguimientos del ERP entregados como un bot de Telegram.",
    "cli.help.version": "muestra la versión y termina",
    "cli.help.debug": "muestra el detalle completo (traceback) de un error",
    "cli.help.run": "inicia el bot (long polling, o --webhook)",
    "cli.help.run_webhook": (
        "URL HTTPS pública a la que Telegram envía los mensajes (modo webhook)"
    ),
    "cli.help.run_listen": "dirección en la que escuchar (modo webhook)",
    "cli.help.run_port": "puerto en el que escuchar (modo webhook)",
    "cli.help.doctor": "revisa configuración, base de datos, token, API de Telegram y disco",
    "cli.help.db": "mantenimiento de la base de datos",
    "cli.help.db_upgrade": "aplica las migraciones pendientes (crea la base si no existe)",
    "cli.help.users": "administra los usuarios",
    "cli.help.users_add": "registra un usuario",
    "cli.help.users_role": "agente|supervisor|administrador",
    "cli.help.users_list": "lista los usuarios",
    "cli.help.users_deactivate": "quita el acceso a un usuario (su historial queda)",
    "cli.help.users_activate": "devuelve el acceso a un usuario",
    "cli.help.users_link": (
        "enlace de Telegram de un solo uso para un usuario pendiente (importado sin telegram_id)"
    ),
    "cli.help.users_bot": "el @usuario del bot (si no, se pregunta con getMe)",
    "cli.help.catalog": "administra los catálogos (tipos, estados, actividades, documentos)",
    "cli.help.catalog_list": "lista un catálogo o todos",
    "cli.help.catalog_add": "agrega un elemento",
    "cli.help.catalog_horas": "tipo: horas por defecto hasta el siguiente seguimiento",
    "cli.help.catalog_significado": "estado: abierto|cierre|descarte (open|closed|discarded)",
    "cli.help.catalog_efecto": "actividad: avance|retroceso|neutral",
    "cli.help.catalog_plantilla": "documento: el texto de la plantilla",
    "cli.help.catalog_plantilla_archivo": "documento: lee la plantilla de este archivo",
    "cli.help.catalog_rename": "renombra un elemento (por nombre o id)",
    "cli.help.catalog_deactivate": "oculta un elemento (el historial lo conserva)",
    "cli.help.catalog_activate": "vuelve a mostrar un elemento",
    "cli.help.catalog_hours": "cambia las horas por defecto de un tipo de seguimiento",
    "cli.help.catalog_meaning": "cambia el significado de un estado",
    "cli.help.catalog_effect": "cambia el efecto de una actividad",
    "cli.help.catalog_channel": (
        "dice qué canal de contacto es una actividad (pasa por la guarda de la Ley 2300)"
    ),
    "cli.help.catalog_canal": "actividad: llamada|whatsapp|sms|correo|visita|ninguno",
    "cli.help.catalog_template": "reemplaza la plantilla de un documento de soporte",
    "cli.help.catalog_ref": "nombre o id",
    "cli.help.catalog_new": "nombre nuevo",
    "cli.help.catalog_path": "archivo de texto UTF-8 con la plantilla",
    "cli.help.import": (
        "carga una exportación del ERP (.xlsx o .csv): todo o nada salvo --skip-invalid"
    ),
    "cli.help.import_skip": "escribe las filas buenas y solo lista las malas",
    "cli.help.demo_data": "llena ./demo.db (o --database) con datos de ejemplo",
    "cli.help.demo": "demo-data y luego inicia el bot con esos datos",
    "cli.help.demo_admin": "registra este id de Telegram (el suyo) como administrador de prueba",
    "cli.help.demo_database": (
        "dónde van los datos de ejemplo (por defecto {url}; nunca CRM_DATABASE_URL)"
    ),
    "cli.help.report": "escribe un informe de Excel (como administrador del sistema)",
    "cli.help.report_tipo": "agenda, seguimientos, actividades, cartera, desempeno",
    "cli.help.report_desde": "primer día, AAAA-MM-DD",
    "cli.help.report_hasta": "último día, AAAA-MM-DD",
    "cli.help.report_agente": "solo la cartera de este agente (código)",
    "cli.help.report_tipo_seguimiento": "solo este tipo de seguimiento",
    "cli.help.report_estado": "solo este estado",
    "cli.help.report_nit": "solo este tercero",
    "cli.help.report_output": "el archivo .xlsx a escribir",
    "cli.help.sync": "importa una vez lo que haya en la carpeta de intercambio (cron)",
    "cli.help.sync_dir": "la carpeta (por defecto CRM_IMPORT_DIR)",
    "cli.help.backup": "copia de seguridad de la base de datos (también con el bot en marcha)",
    "cli.help.backup_file": "el archivo de la copia",
    "cli.help.restore": "restaura una copia de SQLite (con el bot detenido)",
    "cli.help.restore_file": "la copia a restaurar",
}

EN = {
    "cli.help.positionals": "arguments",
    "cli.help.options": "options",
    "cli.help.help": "show this help and exit",
    "cli.help.usage": "usage",
    "cli.help.error": "error",
    "cli.help.description": "CRM follow-ups of the ERP, delivered as a Telegram bot.",
    "cli.help.version": "show the version and exit",
    "cli.help.debug": "show the full traceback of an error",
    "cli.help.run": "start the bot (long polling, or --webhook)",
    "cli.help.run_webhook": "public HTTPS URL Telegram posts updates to (enables webhook mode)",
    "cli.help.run_listen": "address to listen on (webhook mode)",
    "cli.help.run_port": "port to listen on (webhook mode)",
    "cli.help.doctor": "check settings, database, token, Telegram Bot API and disk",
    "cli.help.db": "database maintenance",
    "cli.help.db_upgrade": "apply pending migrations (creates the database when missing)",
    "cli.help.users": "manage users",
    "cli.help.users_add": "register a user",
    "cli.help.users_role": "agent|supervisor|admin",
    "cli.help.users_list": "list users",
    "cli.help.users_deactivate": "take away a user's access (history stays)",
    "cli.help.users_activate": "give a user their access back",
    "cli.help.users_link": (
        "one-time Telegram link for a pending user (imported without telegram_id)"
    ),
    "cli.help.users_bot": "the bot's @username (else asked with getMe)",
    "cli.help.catalog": "manage catalogs (types, states, activities, documents)",
    "cli.help.catalog_list": "list one catalog or all",
    "cli.help.catalog_add": "add an item",
    "cli.help.catalog_horas": "tipo: default hours until the next follow-up",
    "cli.help.catalog_significado": "estado: open|closed|discarded (abierto|cierre|descarte)",
    "cli.help.catalog_efecto": "actividad: progress|regression|neutral",
    "cli.help.catalog_plantilla": "documento: the template text",
    "cli.help.catalog_plantilla_archivo": "documento: read the template from this file",
    "cli.help.catalog_rename": "rename an item (by name or id)",
    "cli.help.catalog_deactivate": "hide an item (history keeps it)",
    "cli.help.catalog_activate": "show an item again",
    "cli.help.catalog_hours": "change a follow-up type's default hours",
    "cli.help.catalog_meaning": "change a state's meaning",
    "cli.help.catalog_effect": "change an activity's effect",
    "cli.help.catalog_channel": (
        "says which contact channel an activity is (it goes through the Ley 2300 guard)"
    ),
    "cli.help.catalog_canal": "activity: llamada|whatsapp|sms|correo|visita|ninguno",
    "cli.help.catalog_template": "replace a support document's template",
    "cli.help.catalog_ref": "name or id",
    "cli.help.catalog_new": "new name",
    "cli.help.catalog_path": "UTF-8 text file with the template",
    "cli.help.import": (
        "load an ERP export (.xlsx or .csv): all or nothing unless --skip-invalid"
    ),
    "cli.help.import_skip": "write the good rows and only list the bad ones",
    "cli.help.demo_data": "fill ./demo.db (or --database) with a realistic sample",
    "cli.help.demo": "demo-data, then run the bot on it",
    "cli.help.demo_admin": "register this Telegram id (yours) as the demo admin",
    "cli.help.demo_database": "where the sample goes (default {url}; never CRM_DATABASE_URL)",
    "cli.help.report": "write an Excel report (as the system admin)",
    "cli.help.report_tipo": "agenda, seguimientos, actividades, cartera, desempeno",
    "cli.help.report_desde": "first day, YYYY-MM-DD",
    "cli.help.report_hasta": "last day, YYYY-MM-DD",
    "cli.help.report_agente": "only this agent's book (user code)",
    "cli.help.report_tipo_seguimiento": "only this follow-up type",
    "cli.help.report_estado": "only this state",
    "cli.help.report_nit": "only this tercero",
    "cli.help.report_output": "the .xlsx file to write",
    "cli.help.sync": "import once whatever is in the drop folder (for cron)",
    "cli.help.sync_dir": "the folder (default CRM_IMPORT_DIR)",
    "cli.help.backup": "back up the database (also while the bot runs)",
    "cli.help.backup_file": "the backup file",
    "cli.help.restore": "restore a SQLite backup (with the bot stopped)",
    "cli.help.restore_file": "the backup to restore",
}

ES.update(
    {
        "cli.catalog.header": "ID|ESTADO|DETALLE|NOMBRE",
        "cli.catalog.kind.type": "tipos",
        "cli.catalog.kind.state": "estados",
        "cli.catalog.kind.activity": "actividades",
        "cli.catalog.kind.document": "documentos",
        "cli.catalog.file": "archivo {name}",
        "cli.catalog.template": "plantilla",
        "cli.catalog.added": "agregado {item}",
        "cli.db.up_to_date": "la base de datos {database} está al día",
        "cli.report.wrote": "escrito {file} ({rows} filas, {name})",
    }
)
EN.update(
    {
        "cli.catalog.header": "ID|STATUS|DETAIL|NAME",
        "cli.catalog.kind.type": "types",
        "cli.catalog.kind.state": "states",
        "cli.catalog.kind.activity": "activities",
        "cli.catalog.kind.document": "documents",
        "cli.catalog.file": "file {name}",
        "cli.catalog.template": "template",
        "cli.catalog.added": "added {item}",
        "cli.db.up_to_date": "database {database} is up to date",
        "cli.report.wrote": "wrote {file} ({rows} rows, {name})",
    }
)

ES.update(
    {
        "cli.run.no_token": (
            "CRM_BOT_TOKEN no está configurado.\n"
            "Pida un token a @BotFather en Telegram (envíe /newbot y siga los pasos) y póngalo\n"
            "en el entorno o en .env:  CRM_BOT_TOKEN=123456:ABC...  y ejecute de nuevo "
            "`crm-bot run`."
        ),
        "cli.run.bad_webhook": (
            "--webhook necesita una URL completa como https://bot.ejemplo.com/telegram, no «{url}»"
        ),
        "cli.run.poller_busy": (
            "otro `crm-bot run` ya recibe los mensajes de {database} (long polling): solo uno "
            "puede hacerlo; usa ese, o detenlo (systemctl stop crm-bot) y repite"
        ),
        "cli.run.conflict": (
            "Telegram respondió 409 Conflict: otro bot está recibiendo los mensajes con este "
            "token (en otra máquina, o con un webhook); detenlo, o usa otro token de "
            "@BotFather, y repite `crm-bot run`"
        ),
    }
)
EN.update(
    {
        "cli.run.no_token": (
            "CRM_BOT_TOKEN is not set.\n"
            "Get a token from @BotFather in Telegram (send /newbot and follow the steps), then "
            "put it\nin the environment or in .env:  CRM_BOT_TOKEN=123456:ABC...  and run "
            "`crm-bot run` again."
        ),
        "cli.run.bad_webhook": (
            "--webhook needs a full URL like https://bot.example.com/telegram, not “{url}”"
        ),
        "cli.run.poller_busy": (
            "another `crm-bot run` already receives the messages of {database} (long polling): "
            "only one may; use that one, or stop it (systemctl stop crm-bot) and try again"
        ),
        "cli.run.conflict": (
            "Telegram answered 409 Conflict: another bot is polling with this token (on another "
            "machine, or through a webhook); stop it, or use another token from @BotFather, and "
            "run `crm-bot run` again"
        ),
    }
)
