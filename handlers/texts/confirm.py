"""Confirmations that run once, the Estado button of the card, and the labels of catalog
meanings and effects (issue 11, items 5-7 and 10)."""

ES = {
    "confirm.b_yes": "✅ Confirmar",
    "confirm.b_no": "✖ Cancelar",
    "confirm.already_done": "ℹ️ Ya estaba confirmado: esto es lo que se hizo.",
    "error.confirm_unknown": "Ese botón de confirmación no es válido. Vuelve a empezar.",
    # cartera: Iniciar todos
    "cartera.confirm_start_all": (
        "<b>Iniciar todos</b>: se creará un seguimiento «{type}» por cada documento con saldo "
        "que no tiene seguimiento activo.\n"
        "• Documentos: {documents}\n• Terceros: {terceros}\n"
        "Cada uno queda a nombre del encargado del tercero y vence en {hours} h. ¿Confirmas?"
    ),
    # users
    "users.confirm_role_orphans": (
        "<b>{code}</b> dejará de ser supervisor y pasará a {role}.\n"
        "Sus agentes quedarán sin equipo: {agents}.\n"
        "Podrás ponerlos en otro equipo con 👥 Cambiar equipo. ¿Confirmas?"
    ),
    "users.confirm_deactivate": (
        "¿Desactivar a <b>{code}</b> ({name})? Pierde el acceso en su próximo mensaje.\n"
        "Seguimientos abiertos a su nombre: {followups} (pásalos con /reasignar)."
    ),
    # config
    "config.b_meaning": "Significado: {meaning}",
    "config.b_effect": "Efecto: {effect}",
    "config.b_channel": "Canal: {channel}",
    "config.confirm_deactivate": (
        "¿Desactivar <b>{name}</b>? Desaparece de las listas para elegir; los "
        "seguimientos que ya lo usan conservan su nombre. Puedes reactivarlo luego."
    ),
    "error.catalog_last_closing_meaning": (
        "No puedo cambiar su significado: es el último estado de cierre activo y sin él nadie "
        "podría cerrar un seguimiento. Crea otro estado de cierre primero."
    ),
    # follow-up card: Estado
    "fu.b_state": "🏷 Estado",
    "fu.pick_state": "Elige el estado (el seguimiento sigue activo)",
    "fu.state_current": "• {name} (actual)",
    "fu.no_open_states": "No hay estados abiertos activos. Un administrador los crea en /config.",
    "fu.done_state": "Estado: {state}",
    "fu.ev.state_changed": "Estado",
    "fu.b_child": "➡ Continuación #{id}",
    "error.bad_open_state": "Ese estado no existe, está inactivo o no es un estado abierto.",
    "error.state_unchanged": "El seguimiento ya está en ese estado.",
}

EN = {
    "confirm.b_yes": "✅ Confirm",
    "confirm.b_no": "✖ Cancel",
    "confirm.already_done": "ℹ️ Already confirmed: this is what was done.",
    "error.confirm_unknown": "That confirmation button is not valid. Please start again.",
    "cartera.confirm_start_all": (
        "<b>Start all</b>: one «{type}» follow-up will be created for every document with a "
        "balance and no active follow-up.\n"
        "• Documents: {documents}\n• Terceros: {terceros}\n"
        "Each goes to the tercero's encargado and is due in {hours} h. Confirm?"
    ),
    "users.confirm_role_orphans": (
        "<b>{code}</b> will stop being a supervisor and become {role}.\n"
        "Their agents will be left without a team: {agents}.\n"
        "You can put them in another team with 👥 Change team. Confirm?"
    ),
    "users.confirm_deactivate": (
        "Deactivate <b>{code}</b> ({name})? Access ends at their next message.\n"
        "Open follow-ups in their name: {followups} (move them with /reasignar)."
    ),
    "config.b_meaning": "Meaning: {meaning}",
    "config.b_effect": "Effect: {effect}",
    "config.b_channel": "Channel: {channel}",
    "config.confirm_deactivate": (
        "Deactivate <b>{name}</b>? It leaves the pick lists; follow-ups that already "
        "use it keep its name. You can reactivate it later."
    ),
    "error.catalog_last_closing_meaning": (
        "I cannot change its meaning: it is the last active closing state and without it "
        "nobody could close a follow-up. Create another closing state first."
    ),
    "fu.b_state": "🏷 State",
    "fu.pick_state": "Pick the state (the follow-up stays active)",
    "fu.state_current": "• {name} (current)",
    "fu.no_open_states": "There are no active open states. An administrator adds them in /config.",
    "fu.done_state": "State: {state}",
    "fu.ev.state_changed": "State",
    "fu.b_child": "➡ Continuation #{id}",
    "error.bad_open_state": "That state does not exist, is inactive or is not an open state.",
    "error.state_unchanged": "The follow-up is already in that state.",
}
