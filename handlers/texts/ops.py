"""Operator texts of the ``crm-bot`` command line: fault lines, doctor, start line, backups.

A fault line is printed as ``crm-bot: <text>``: what went wrong and what to do, in one line.
"""

ES = {
    "cli.fault.unexpected": (
        "error inesperado ({kind}: {message}). Vuelva a ejecutar con --debug para ver el detalle"
    ),
    "cli.fault.bot_api_unreachable": (
        "no se pudo conectar con la API de Telegram en {host}: revise la conexión a internet, "
        "el cortafuegos o el proxy (o CRM_BOT_API_URL)"
    ),
    "cli.fault.token_rejected": (
        "Telegram rechazó el token (CRM_BOT_TOKEN): copie de nuevo el token que le dio "
        "@BotFather, o pida otro con /token"
    ),
    "cli.fault.api_not_found": (
        "la API de Telegram en {host} respondió 404 Not Found: revise CRM_BOT_API_URL (debe "
        "terminar en /bot) y CRM_BOT_TOKEN (cópielo de nuevo de @BotFather)"
    ),
    "cli.fault.db_unreachable": (
        "no se pudo conectar con la base de datos {database} ({reason}): ¿está encendido "
        "PostgreSQL y acepta conexiones en esa dirección? Revise CRM_DATABASE_URL"
    ),
    "cli.fault.db_missing": (
        "la base de datos {database} no existe en el servidor: créela (createdb {name}) o "
        "corrija CRM_DATABASE_URL"
    ),
    "cli.fault.db_login": (
        "PostgreSQL rechazó el usuario o la contraseña de {database}: corrija CRM_DATABASE_URL"
    ),
    "cli.fault.db_permission": (
        "no se puede abrir o escribir la base de datos {database}: dé permiso de lectura y "
        "escritura sobre el archivo y su carpeta al usuario que ejecuta crm-bot"
    ),
    "cli.fault.permission": (
        "permiso denegado en {file}: dé permiso al usuario que ejecuta crm-bot o use otra ruta"
    ),
    "cli.fault.file_missing": "no existe el archivo {file}: revise la ruta",
    "cli.fault.bad_xlsx": (
        "{file} no es un libro de Excel válido (está dañado, incompleto o es de otro formato): "
        "ábralo en Excel y guárdelo de nuevo como .xlsx, o expórtelo como .csv"
    ),
    "cli.fault.no_database": (
        "no existe la base de datos {path}; no se crea una vacía. Revise CRM_DATABASE_URL (una "
        "ruta relativa cuenta desde la carpeta actual) o créela con: crm-bot db upgrade"
    ),
    "cli.setting.bad": "{name}=«{value}» no es válido: {reason}",
    "cli.setting.timezone": (
        "{name}={value} no es una zona horaria: use un nombre completo como {suggestion}"
    ),
    "cli.setting.database_url": (
        "{name}: use sqlite+aiosqlite:///ruta/crm.db o postgresql+asyncpg://usuario:clave@"
        "servidor/base (el bot necesita el controlador asíncrono), no {value}"
    ),
}

EN = {
    "cli.fault.unexpected": (
        "unexpected error ({kind}: {message}). Run again with --debug to see the details"
    ),
    "cli.fault.bot_api_unreachable": (
        "could not connect to the Telegram Bot API at {host}: check the internet connection, "
        "the firewall or the proxy (or CRM_BOT_API_URL)"
    ),
    "cli.fault.token_rejected": (
        "Telegram rejected the token (CRM_BOT_TOKEN): copy the token @BotFather gave you "
        "again, or ask it for a new one with /token"
    ),
    "cli.fault.api_not_found": (
        "the Telegram Bot API at {host} answered 404 Not Found: check CRM_BOT_API_URL (it "
        "must end in /bot) and CRM_BOT_TOKEN (copy it again from @BotFather)"
    ),
    "cli.fault.db_unreachable": (
        "could not connect to the database {database} ({reason}): is PostgreSQL running and "
        "accepting connections at that address? Check CRM_DATABASE_URL"
    ),
    "cli.fault.db_missing": (
        "the database {database} does not exist on the server: create it (createdb {name}) or "
        "fix CRM_DATABASE_URL"
    ),
    "cli.fault.db_login": (
        "PostgreSQL refused the user or password of {database}: fix CRM_DATABASE_URL"
    ),
    "cli.fault.db_permission": (
        "cannot open or write the database {database}: give the user running crm-bot read and "
        "write permission on the file and its folder"
    ),
    "cli.fault.permission": (
        "permission denied on {file}: give the user running crm-bot access or use another path"
    ),
    "cli.fault.file_missing": "the file {file} does not exist: check the path",
    "cli.fault.bad_xlsx": (
        "{file} is not a valid Excel workbook (damaged, incomplete or another format): open it "
        "in Excel and save it again as .xlsx, or export it as .csv"
    ),
    "cli.fault.no_database": (
        "the database {path} does not exist; an empty one is not created. Check "
        "CRM_DATABASE_URL (a relative path counts from the current folder) or create it with: "
        "crm-bot db upgrade"
    ),
    "cli.setting.bad": "{name}=«{value}» is not valid: {reason}",
    "cli.setting.timezone": (
        "{name}={value} is not a time zone: use a full name such as {suggestion}"
    ),
    "cli.setting.database_url": (
        "{name}: use sqlite+aiosqlite:///path/crm.db or postgresql+asyncpg://user:password@"
        "host/name (the bot needs the async driver), not {value}"
    ),
}

ES.update(
    {
        "doctor.settings": (
            "Configuración válida: zona horaria {tz}, horario {hours} ({days}), idioma {language}"
        ),
        "doctor.db_missing": (
            "Base de datos {database}: no existe. Créela con: crm-bot db upgrade (o revise "
            "CRM_DATABASE_URL)"
        ),
        "doctor.db_error": "Base de datos {database}: {error}",
        "doctor.db_behind": (
            "Base de datos {database}: le faltan migraciones. Ejecute: crm-bot db upgrade"
        ),
        "doctor.db_ok": "Base de datos {database}: accesible y al día (revisión {revision})",
        "doctor.no_token": (
            "CRM_BOT_TOKEN no está configurado: pida un token a @BotFather (/newbot) y póngalo "
            "en el entorno o en .env"
        ),
        "doctor.api_unreachable": "API de Telegram: {reason}",
        "doctor.api_ok": "API de Telegram ({host}): accesible",
        "doctor.api_error": "API de Telegram: {method} respondió «{error}»",
        "doctor.token_rejected": (
            "Token: Telegram lo rechazó. Copie de nuevo el token de @BotFather en CRM_BOT_TOKEN"
        ),
        "doctor.token_ok": "Token aceptado: el bot es @{username}",
        "doctor.webhook_error": (
            "Webhook {url}: Telegram no puede entregar los mensajes («{error}»). Revise que la "
            "URL sea pública con HTTPS y que crm-bot run --webhook esté escuchando"
        ),
        "doctor.polling": (
            "Sin webhook: el bot recibe los mensajes con crm-bot run (long polling); "
            "{pending} pendientes"
        ),
        "doctor.webhook": "Webhook {url}: configurado; {pending} mensajes pendientes",
        "doctor.no_folder": "La carpeta {folder} de la base de datos no existe: créela",
        "doctor.disk_low": (
            "Disco: solo quedan {mb} MB libres en {folder}. Libere espacio (la base de datos y "
            "las copias de seguridad lo necesitan)"
        ),
        "doctor.disk_ok": "Disco: {mb} MB libres en {folder}",
        "doctor.no_import_dir": (
            "Carpeta de importación: no configurada (CRM_IMPORT_DIR); se importa con crm-bot "
            "import"
        ),
        "doctor.import_dir_missing": (
            "Carpeta de importación {folder}: no existe. Créela o corrija CRM_IMPORT_DIR"
        ),
        "doctor.import_dir_denied": (
            "Carpeta de importación {folder}: sin permiso de lectura y escritura para este usuario"
        ),
        "doctor.import_dir_ok": "Carpeta de importación {folder}: se puede leer y escribir",
        "doctor.backup_dir_ok": "Carpeta de copias nocturnas {folder}: se puede escribir",
        "doctor.backup_dir_denied": (
            "Carpeta de copias nocturnas {folder}: sin permiso de escritura para este usuario"
        ),
        "folder.clash": (
            "{setting}={folder} no puede ser la carpeta de trabajo ni la del programa, ni "
            "contenerlas ({clash}): usa una carpeta dedicada solo a eso"
        ),
        "doctor.all_good": "Todo en orden.",
        "doctor.failed": "{count} comprobación(es) fallaron: corrija lo indicado con ❌.",
    }
)

EN.update(
    {
        "doctor.settings": (
            "Settings valid: time zone {tz}, working hours {hours} ({days}), language {language}"
        ),
        "doctor.db_missing": (
            "Database {database}: does not exist. Create it with: crm-bot db upgrade (or check "
            "CRM_DATABASE_URL)"
        ),
        "doctor.db_error": "Database {database}: {error}",
        "doctor.db_behind": "Database {database}: migrations pending. Run: crm-bot db upgrade",
        "doctor.db_ok": "Database {database}: reachable and up to date (revision {revision})",
        "doctor.no_token": (
            "CRM_BOT_TOKEN is not set: ask @BotFather for a token (/newbot) and put it in the "
            "environment or in .env"
        ),
        "doctor.api_unreachable": "Telegram Bot API: {reason}",
        "doctor.api_ok": "Telegram Bot API ({host}): reachable",
        "doctor.api_error": "Telegram Bot API: {method} answered “{error}”",
        "doctor.token_rejected": (
            "Token: Telegram rejected it. Copy the token from @BotFather into CRM_BOT_TOKEN again"
        ),
        "doctor.token_ok": "Token accepted: the bot is @{username}",
        "doctor.webhook_error": (
            "Webhook {url}: Telegram cannot deliver messages (“{error}”). Check the URL is "
            "public HTTPS and crm-bot run --webhook is listening"
        ),
        "doctor.polling": (
            "No webhook: the bot receives messages with crm-bot run (long polling); "
            "{pending} pending"
        ),
        "doctor.webhook": "Webhook {url}: set; {pending} updates pending",
        "doctor.no_folder": "The database folder {folder} does not exist: create it",
        "doctor.disk_low": (
            "Disk: only {mb} MB free in {folder}. Free some space (the database and the "
            "backups need it)"
        ),
        "doctor.disk_ok": "Disk: {mb} MB free in {folder}",
        "doctor.no_import_dir": (
            "Import folder: not configured (CRM_IMPORT_DIR); import with crm-bot import"
        ),
        "doctor.import_dir_missing": (
            "Import folder {folder}: does not exist. Create it or fix CRM_IMPORT_DIR"
        ),
        "doctor.import_dir_denied": ("Import folder {folder}: this user cannot read and write it"),
        "doctor.import_dir_ok": "Import folder {folder}: readable and writable",
        "doctor.backup_dir_ok": "Nightly backup folder {folder}: writable",
        "doctor.backup_dir_denied": "Nightly backup folder {folder}: this user cannot write it",
        "folder.clash": (
            "{setting}={folder} cannot be the working folder or the program's folder, nor "
            "contain them ({clash}): use a folder dedicated to it"
        ),
        "doctor.all_good": "All good.",
        "doctor.failed": "{count} check(s) failed: fix what the ❌ lines say.",
    }
)

ES.update(
    {
        "cli.demo.header": "CÓDIGO|ID TELEGRAM|ROL|NOMBRE",
        "cli.demo.already": (
            "{database} ya tiene {terceros} terceros: se deja como está (demo-data solo llena "
            "una base vacía; use --database URL para otra)"
        ),
        "cli.demo.no_admin": (
            "Estos ids de Telegram son inventados: nadie puede usar el bot todavía. Para ser el\n"
            "administrador, use una base vacía:  crm-bot demo-data --admin-id SU_ID  (o bórrela\n"
            "y repita). Su id: escríbale al bot; a un desconocido le responde con su id."
        ),
        "cli.demo.admin": "El id de Telegram {telegram_id} es el administrador: escriba /start.",
        "cli.demo.how_to_run": (
            "Para usar el bot con estos datos de prueba:\n"
            "  CRM_DATABASE_URL={url} crm-bot run\n"
            "o, en un solo paso:  crm-bot demo\n"
            "La base de datos de la empresa (CRM_DATABASE_URL) no se tocó."
        ),
    }
)

EN.update(
    {
        "cli.demo.header": "CODE|TELEGRAM ID|ROLE|NAME",
        "cli.demo.already": (
            "{database} already has {terceros} terceros: left as it is (demo-data only fills an "
            "empty database; use --database URL for another)"
        ),
        "cli.demo.no_admin": (
            "These Telegram ids are invented: nobody can use the bot yet. To be the admin, use "
            "an\nempty database:  crm-bot demo-data --admin-id YOUR_ID  (or delete it and "
            "repeat).\n"
            "Your id: write to the bot; it answers a stranger with their id."
        ),
        "cli.demo.admin": "Telegram id {telegram_id} is the admin: write /start to the bot.",
        "cli.demo.how_to_run": (
            "To use the bot on this sample:\n"
            "  CRM_DATABASE_URL={url} crm-bot run\n"
            "or in one step:  crm-bot demo\n"
            "The company's database (CRM_DATABASE_URL) was not touched."
        ),
    }
)

ES.update(
    {
        "sync.title": "📥 Importación desde {folder}:",
        "sync.ok": (
            "✅ {name}: {rows} filas; {inserted} nuevas, {updated} actualizadas, "
            "{unchanged} sin cambios"
        ),
        "sync.rejected": (
            "❌ {name}: {bad} filas con errores; no se importó nada (todos los errores en "
            "rechazados/{file}):"
        ),
        "sync.waiting": "⏳ aún copiándose (se importan cuando dejen de cambiar): {names}",
        "sync.busy": (
            "otra instancia está procesando la carpeta {folder}; lo hará ella (o la próxima "
            "pasada)"
        ),
        "sync.nothing": "nada que importar en {folder}",
        "sync.refused": "❌ {name}: {reason} (se apartó en rechazados/{file} sin leerlo)",
        "sync.reason.too_long": (
            "nombre demasiado largo ({length} caracteres; máximo {limit}): acórtelo y déjelo "
            "de nuevo"
        ),
        "sync.reason.control": (
            "el nombre tiene caracteres de control (saltos de línea, tabuladores...): "
            "renómbrelo y déjelo de nuevo"
        ),
        "sync.reason.spaces": (
            "el nombre tiene espacios al final (o al principio): renómbrelo y déjelo de nuevo"
        ),
        "sync.reason.not_regular": (
            "no es un archivo normal (es un enlace, una carpeta u otra cosa): deje aquí el "
            "archivo mismo"
        ),
        "sync.reason.too_big": (
            "ocupa {mb} MB y el límite es {limit} MB (CRM_IMPORT_MAX_MB): divídalo o suba el "
            "límite"
        ),
        "sync.no_dir": "indique la carpeta (crm-bot sync CARPETA) o configure CRM_IMPORT_DIR",
    }
)
EN.update(
    {
        "sync.title": "📥 Import from {folder}:",
        "sync.ok": (
            "✅ {name}: {rows} rows; {inserted} new, {updated} updated, {unchanged} unchanged"
        ),
        "sync.rejected": (
            "❌ {name}: {bad} rows with errors; nothing was imported (every error in "
            "rechazados/{file}):"
        ),
        "sync.waiting": "⏳ still being copied (imported once they stop changing): {names}",
        "sync.busy": (
            "another instance is processing the folder {folder}; it will do it (or the next pass)"
        ),
        "sync.nothing": "nothing to import in {folder}",
        "sync.refused": "❌ {name}: {reason} (set aside unread in rechazados/{file})",
        "sync.reason.too_long": (
            "file name too long ({length} characters; at most {limit}): shorten it and drop it "
            "again"
        ),
        "sync.reason.control": (
            "the name has control characters (line breaks, tabs...): rename it and drop it again"
        ),
        "sync.reason.spaces": (
            "the name has spaces at the end (or the start): rename it and drop it again"
        ),
        "sync.reason.not_regular": (
            "not a regular file (a link, a folder or something else): drop the file itself here"
        ),
        "sync.reason.too_big": (
            "it takes {mb} MB and the limit is {limit} MB (CRM_IMPORT_MAX_MB): split it or "
            "raise the limit"
        ),
        "sync.no_dir": "name the folder (crm-bot sync DIR) or set CRM_IMPORT_DIR",
    }
)

ES.update(
    {
        "backup.done": "copia de {database} en {file} ({kb} KB)",
        "backup.restored": "{database} restaurada desde {file}",
        "backup.kept": "la base anterior quedó en {file}",
        "backup.no_database": "no existe la base de datos {database}",
        "backup.no_pg_dump": (
            "pg_dump no está instalado: instale el cliente de PostgreSQL (apt install "
            "postgresql-client) o haga la copia en el servidor con pg_dump"
        ),
        "backup.pg_dump_failed": "pg_dump falló: {reason}",
        "backup.unsupported": "solo se copian bases SQLite o PostgreSQL",
        "backup.restore_sqlite_only": (
            "crm-bot restore solo restaura SQLite; en PostgreSQL use pg_restore con el bot "
            "detenido"
        ),
        "backup.no_backup": "no existe la copia {file}",
        "backup.not_a_backup": "{file} no es una copia de crm-bot (no es una base SQLite válida)",
        "backup.restore_busy": (
            "otro proceso de crm-bot (el bot, una importación, una sincronización…) está usando "
            "{database}: espere a que termine o detenga el bot (systemctl stop crm-bot) y repita"
        ),
        "backup.live_target": (
            "{file} es la base de datos en uso ({database}): la copia la reemplazaría; elija "
            "otro archivo, p. ej. copias/crm-hoy.db"
        ),
    }
)
EN.update(
    {
        "backup.done": "backup of {database} in {file} ({kb} KB)",
        "backup.restored": "{database} restored from {file}",
        "backup.kept": "the previous database was kept in {file}",
        "backup.no_database": "the database {database} does not exist",
        "backup.no_pg_dump": (
            "pg_dump is not installed: install the PostgreSQL client (apt install "
            "postgresql-client) or back up on the server with pg_dump"
        ),
        "backup.pg_dump_failed": "pg_dump failed: {reason}",
        "backup.unsupported": "only SQLite or PostgreSQL databases are backed up",
        "backup.restore_sqlite_only": (
            "crm-bot restore only restores SQLite; on PostgreSQL use pg_restore with the bot "
            "stopped"
        ),
        "backup.no_backup": "the backup {file} does not exist",
        "backup.not_a_backup": "{file} is not a crm-bot backup (not a valid SQLite database)",
        "backup.restore_busy": (
            "another crm-bot process (the bot, an import, a sync…) is using {database}: wait "
            "for it to finish or stop the bot (systemctl stop crm-bot) and try again"
        ),
        "backup.live_target": (
            "{file} is the database in use ({database}): the backup would replace it; choose "
            "another file, e.g. backups/crm-today.db"
        ),
    }
)
