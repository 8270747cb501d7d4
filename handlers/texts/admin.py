"""Administration and security: invitations, /usuarios, /config, letters, /reasignar,
/auditoria, flood protection."""

ES = {
    "gate.flood": "Vas muy rápido 🙂. Espera unos segundos y vuelve a intentarlo.",
    # invitations
    "invite.usage": (
        "Uso: <code>/invitar ROL [CODIGO]</code>\n"
        "ROL: agente, supervisor o admin. CODIGO (opcional): el código del nuevo usuario, "
        "p. ej. <code>/invitar agente JPEREZ</code>. Sin código lo tomo de su nombre."
    ),
    "invite.created": (
        "Invitación creada para un <b>{role}</b> (código {code}, equipo {team}).\n"
        "Reenvía este enlace a la persona; sirve una sola vez hasta el {expires}:\n{link}"
    ),
    "invite.code_from_name": "tomado de su nombre",
    "invite.already_registered": "Ya estás registrado; ese enlace no cambia nada.",
    "invite.welcome": "¡Bienvenido! Quedaste registrado.",
    "error.invite_unknown": (
        "Ese enlace de invitación no existe. Pide a tu administrador o supervisor uno nuevo."
    ),
    "error.invite_used": "Ese enlace de invitación ya fue usado. Pide uno nuevo.",
    "error.invite_expired": (
        "Ese enlace de invitación venció (dura 72 horas). Pide uno nuevo a quien te invitó."
    ),
    "error.invite_already_registered": "Ya estás registrado; ese enlace no cambia nada.",
    "error.bad_user_code": (
        "El código debe tener solo letras, números, _ o - (máximo 40), p. ej. JPEREZ."
    ),
    # users
    "users.title": "<b>Usuarios</b> ({total}) — página {page}/{pages}",
    "users.active": "activo",
    "users.inactive": "inactivo",
    "users.team": "equipo",
    "users.read_only": "\n<i>Solo lectura: los cambios los hace un administrador.</i>",
    "users.card": (
        "<b>{name}</b> ({code})\nRol: {role}\nEquipo (supervisor): {team}\nEstado: {status}\n"
        "Telegram: <code>{telegram_id}</code>"
    ),
    "users.make": "Hacer {role}",
    "users.change_team": "👥 Cambiar equipo",
    "users.deactivate": "🚫 Desactivar",
    "users.reactivate": "✅ Reactivar",
    "users.back": "↩ Volver",
    "users.no_team": "Sin equipo",
    "users.pick_team": "¿En qué equipo queda {code}?",
    "error.users_not_self": "No puedes cambiar tu propio rol ni desactivarte.",
    "error.users_team_agents_only": "Solo los agentes pertenecen a un equipo.",
    "error.users_bad_supervisor": "Ese supervisor no existe o está inactivo.",
    # config
    "config.menu": "<b>Configuración</b>: elige el catálogo.",
    "config.kinds.type": "Tipos de seguimiento",
    "config.kinds.state": "Estados",
    "config.kinds.activity": "Actividades",
    "config.kinds.document": "Documentos soporte",
    "config.hours_value": "{hours} h",
    "config.meaning.open": "abierto",
    "config.meaning.closed": "cierre",
    "config.meaning.discarded": "descarte",
    "config.effect.progress": "avance",
    "config.effect.regression": "retroceso",
    "config.effect.neutral": "neutral",
    "config.channel_value": "contacto por {channel}",
    "config.channel.none": "ninguno",
    "config.doc_file": "archivo {name}",
    "config.doc_template": "plantilla de texto",
    "config.list_title": "<b>{kind}</b> (🚫 = inactivo)",
    "config.empty": "Aún no hay ninguno.",
    "config.new": "➕ Nuevo",
    "config.item": "<b>{name}</b>\n{kind} · {detail} · {status}",
    "config.rename": "✏️ Renombrar",
    "config.change_hours": "⏱ Cambiar horas",
    "config.change_content": "📄 Cambiar contenido",
    "config.deactivate": "🚫 Desactivar",
    "config.reactivate": "✅ Reactivar",
    "config.ask_name": (
        "Escribe el nombre (máximo 80 caracteres) para: {kind}. /cancelar para salir."
    ),
    "config.ask_rename": "Escribe el nuevo nombre para <b>{name}</b>. /cancelar para salir.",
    "config.ask_hours": (
        "<b>{name}</b> usa {hours} h hasta el siguiente seguimiento. Escribe las nuevas horas "
        "(1 a 720). /cancelar para salir."
    ),
    "config.ask_new_hours": (
        "¿Cuántas horas hasta el siguiente seguimiento por defecto? (1 a 720, p. ej. "
        "<code>48</code>)"
    ),
    "config.ask_content": (
        "Envía el nuevo contenido de <b>{name}</b>: un archivo, o un texto con los campos "
        "{{nombre}}, {{nit}}, {{saldo}}, {{documentos}}, {{fecha}}."
    ),
    "config.ask_new_content": (
        "Envía el archivo del documento, o escribe la plantilla de texto (máximo {limit} "
        "caracteres) usando {{nombre}}, {{nit}}, {{saldo}}, {{documentos}} y {{fecha}}."
    ),
    "config.ask_pick_state": "¿Qué significa este estado?",
    "config.ask_pick_activity": "¿Qué efecto tiene esta actividad?",
    "config.saved": "✅ Guardado.",
    "error.catalog_bad_kind": "Catálogo desconocido. Usa uno de: {kinds}.",
    "error.catalog_bad_meaning": "Significado no válido. Usa: abierto, cierre o descarte.",
    "error.catalog_bad_effect": "Efecto no válido. Usa: avance, retroceso o neutral.",
    "error.catalog_bad_channel": (
        "Canal no válido. Usa: <code>llamada</code>, <code>whatsapp</code>, <code>sms</code>, "
        "<code>correo</code>, <code>visita</code> o <code>ninguno</code>."
    ),
    "error.catalog_bad_placeholder": (
        "La plantilla usa campos que no conozco: {unknown}. Los válidos son: {allowed}."
    ),
    "error.catalog_duplicate": "Ya existe «{name}» en ese catálogo. Elige otro nombre.",
    "error.catalog_unknown_item": "No encontré «{name}» en ese catálogo.",
    "error.catalog_document_content": "El documento soporte necesita un archivo o una plantilla.",
    "error.catalog_last_item": (
        "No puedo desactivarlo: es el último activo de su clase y el equipo lo necesita."
    ),
    # letters
    "letters.none": "No hay documentos soporte activos. Un administrador los crea en /config.",
    "letters.pick": "¿Qué documento soporte envío para el seguimiento #{id}?",
    "letters.caption": "Documento soporte del seguimiento #{id}",
    "letters.sent": "Documento enviado y registrado.",
    "error.letter_unknown_document": "Ese documento soporte ya no existe o está inactivo.",
    # reassignment
    "reassign.usage": (
        "Uso: <code>/reasignar CODIGO_DESDE CODIGO_HASTA</code>, p. ej. "
        "<code>/reasignar LUIS MARIA</code>."
    ),
    "reassign.preview": (
        "Reasignar de <b>{source}</b> a <b>{target}</b>:\n"
        "• {followups} {followups:plural:one=seguimiento abierto|other=seguimientos abiertos}\n• "
        "{terceros} {terceros:plural:one=tercero|other=terceros} como encargado\n¿Confirmas?"
    ),
    "reassign.cancelled": "Reasignación cancelada; no se cambió nada.",
    "reassign.done": (
        "Listo: {followups} {followups:plural:one=seguimiento|other=seguimientos} y {terceros} "
        "{terceros:plural:one=tercero|other=terceros} pasaron de {source} a {target}."
    ),
    "reassign.pick": "¿A quién reasigno este tercero?",
    "reassign.nobody": "No hay a quién reasignarlo dentro de tu equipo.",
    "reassign.tercero_preview": (
        "Reasignar <b>{tercero}</b> de {source} a <b>{target}</b> "
        "({followups} {followups:plural:one=seguimiento abierto|other=seguimientos abiertos}). "
        "¿Confirmas?"
    ),
    "reassign.tercero_done": (
        "Listo: <b>{tercero}</b> ahora es de {target} ({followups} "
        "{followups:plural:one=seguimiento movido|other=seguimientos movidos})."
    ),
    "error.reassign_same_user": "El origen y el destino son la misma persona.",
    # audit
    "audit.title": "<b>Auditoría</b>: últimos cambios",
    "audit.title_followup": "<b>Auditoría</b> del seguimiento #{id}",
    "audit.title_user": "<b>Auditoría</b> del usuario {code}",
    "audit.empty": "Sin cambios registrados.",
    "audit.system": "sistema",
    "audit.excel": "📊 Excel",
    "audit.excel_caption": "Auditoría en Excel",
    "audit.usage": (
        "Uso: <code>/auditoria</code>, <code>/auditoria seguimiento ID</code>, "
        "<code>/auditoria usuario CODIGO</code>; antepón <code>excel</code> para el archivo, "
        "p. ej. <code>/auditoria excel usuario LUIS</code>."
    ),
}

EN = {
    "gate.flood": "You are going too fast 🙂. Wait a few seconds and try again.",
    "invite.usage": (
        "Usage: <code>/invitar ROLE [CODE]</code>\n"
        "ROLE: agent, supervisor or admin. CODE (optional): the new user's code, "
        "e.g. <code>/invitar agent JPEREZ</code>. Without a code I take it from their name."
    ),
    "invite.created": (
        "Invitation created for an <b>{role}</b> (code {code}, team {team}).\n"
        "Forward this link to the person; it works once, until {expires}:\n{link}"
    ),
    "invite.code_from_name": "taken from their name",
    "invite.already_registered": "You are already registered; that link changes nothing.",
    "invite.welcome": "Welcome! You are now registered.",
    "error.invite_unknown": "That invitation link does not exist. Ask your admin or supervisor.",
    "error.invite_used": "That invitation link was already used. Ask for a new one.",
    "error.invite_expired": (
        "That invitation link expired (it lasts 72 hours). Ask whoever invited you for a new one."
    ),
    "error.invite_already_registered": "You are already registered; that link changes nothing.",
    "error.bad_user_code": (
        "The code may only have letters, digits, _ or - (at most 40), e.g. JPEREZ."
    ),
    "users.title": "<b>Users</b> ({total}) — page {page}/{pages}",
    "users.active": "active",
    "users.inactive": "inactive",
    "users.team": "team",
    "users.read_only": "\n<i>Read-only: an administrator makes changes.</i>",
    "users.card": (
        "<b>{name}</b> ({code})\nRole: {role}\nTeam (supervisor): {team}\nStatus: {status}\n"
        "Telegram: <code>{telegram_id}</code>"
    ),
    "users.make": "Make {role}",
    "users.change_team": "👥 Change team",
    "users.deactivate": "🚫 Deactivate",
    "users.reactivate": "✅ Reactivate",
    "users.back": "↩ Back",
    "users.no_team": "No team",
    "users.pick_team": "Which team does {code} belong to?",
    "error.users_not_self": "You cannot change your own role or deactivate yourself.",
    "error.users_team_agents_only": "Only agents belong to a team.",
    "error.users_bad_supervisor": "That supervisor does not exist or is inactive.",
    "config.menu": "<b>Configuration</b>: pick a catalog.",
    "config.kinds.type": "Follow-up types",
    "config.kinds.state": "States",
    "config.kinds.activity": "Activities",
    "config.kinds.document": "Support documents",
    "config.hours_value": "{hours} h",
    "config.meaning.open": "open",
    "config.meaning.closed": "closing",
    "config.meaning.discarded": "discard",
    "config.effect.progress": "progress",
    "config.effect.regression": "regression",
    "config.effect.neutral": "neutral",
    "config.channel_value": "contact by {channel}",
    "config.channel.none": "none",
    "config.doc_file": "file {name}",
    "config.doc_template": "text template",
    "config.list_title": "<b>{kind}</b> (🚫 = inactive)",
    "config.empty": "None yet.",
    "config.new": "➕ New",
    "config.item": "<b>{name}</b>\n{kind} · {detail} · {status}",
    "config.rename": "✏️ Rename",
    "config.change_hours": "⏱ Change hours",
    "config.change_content": "📄 Change content",
    "config.deactivate": "🚫 Deactivate",
    "config.reactivate": "✅ Reactivate",
    "config.ask_name": "Type the name (at most 80 characters) for: {kind}. /cancelar to leave.",
    "config.ask_rename": "Type the new name for <b>{name}</b>. /cancelar to leave.",
    "config.ask_hours": (
        "<b>{name}</b> uses {hours} h until the next follow-up. Type the new hours "
        "(1 to 720). /cancelar to leave."
    ),
    "config.ask_new_hours": (
        "How many hours until the next follow-up by default? (1 to 720, e.g. <code>48</code>)"
    ),
    "config.ask_content": (
        "Send the new content of <b>{name}</b>: a file, or a text with the fields "
        "{{nombre}}, {{nit}}, {{saldo}}, {{documentos}}, {{fecha}}."
    ),
    "config.ask_new_content": (
        "Send the document's file, or type the text template (at most {limit} characters) "
        "using {{nombre}}, {{nit}}, {{saldo}}, {{documentos}} and {{fecha}}."
    ),
    "config.ask_pick_state": "What does this state mean?",
    "config.ask_pick_activity": "What effect does this activity have?",
    "config.saved": "✅ Saved.",
    "error.catalog_bad_kind": "Unknown catalog. Use one of: {kinds}.",
    "error.catalog_bad_meaning": "Invalid meaning. Use: open, closed or discarded.",
    "error.catalog_bad_effect": "Invalid effect. Use: progress, regression or neutral.",
    "error.catalog_bad_channel": (
        "Invalid channel. Use: <code>llamada</code>, <code>whatsapp</code>, <code>sms</code>, "
        "<code>correo</code>, <code>visita</code> or <code>ninguno</code>."
    ),
    "error.catalog_bad_placeholder": (
        "The template uses fields I do not know: {unknown}. Valid ones are: {allowed}."
    ),
    "error.catalog_duplicate": "«{name}» already exists in that catalog. Pick another name.",
    "error.catalog_unknown_item": "I could not find «{name}» in that catalog.",
    "error.catalog_document_content": "A support document needs a file or a template.",
    "error.catalog_last_item": (
        "I cannot deactivate it: it is the last active one of its kind and the team needs it."
    ),
    "letters.none": (
        "There are no active support documents. An administrator adds them in /config."
    ),
    "letters.pick": "Which support document shall I send for follow-up #{id}?",
    "letters.caption": "Support document of follow-up #{id}",
    "letters.sent": "Document sent and logged.",
    "error.letter_unknown_document": "That support document no longer exists or is inactive.",
    "reassign.usage": (
        "Usage: <code>/reasignar FROM_CODE TO_CODE</code>, e.g. "
        "<code>/reasignar LUIS MARIA</code>."
    ),
    "reassign.preview": (
        "Reassign from <b>{source}</b> to <b>{target}</b>:\n"
        "• {followups} open {followups:plural:one=follow-up|other=follow-ups}\n• {terceros} "
        "{terceros:plural:one=tercero|other=terceros} as encargado\nConfirm?"
    ),
    "reassign.cancelled": "Reassignment cancelled; nothing changed.",
    "reassign.done": (
        "Done: {followups} {followups:plural:one=follow-up|other=follow-ups} and {terceros} "
        "{terceros:plural:one=tercero|other=terceros} moved from {source} to {target}."
    ),
    "reassign.pick": "Who should take this tercero?",
    "reassign.nobody": "There is nobody in your team to reassign it to.",
    "reassign.tercero_preview": (
        "Reassign <b>{tercero}</b> from {source} to <b>{target}</b> "
        "({followups} open {followups:plural:one=follow-up|other=follow-ups}). Confirm?"
    ),
    "reassign.tercero_done": (
        "Done: <b>{tercero}</b> now belongs to {target} ({followups} "
        "{followups:plural:one=follow-up|other=follow-ups} moved)."
    ),
    "error.reassign_same_user": "Source and target are the same person.",
    "audit.title": "<b>Audit</b>: latest changes",
    "audit.title_followup": "<b>Audit</b> of follow-up #{id}",
    "audit.title_user": "<b>Audit</b> of user {code}",
    "audit.empty": "No changes recorded.",
    "audit.system": "system",
    "audit.excel": "📊 Excel",
    "audit.excel_caption": "Audit trail in Excel",
    "audit.usage": (
        "Usage: <code>/auditoria</code>, <code>/auditoria seguimiento ID</code>, "
        "<code>/auditoria usuario CODE</code>; put <code>excel</code> first for the file, "
        "e.g. <code>/auditoria excel usuario LUIS</code>."
    ),
}
