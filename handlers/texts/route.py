"""Texts of the day's route (/ruta), /cerca, visits and tercero locations."""

ES = {
    "command.ruta": "Ruta del día desde donde estás",
    "command.cerca": "Terceros cerca de ti",
    # import problems (latitud / longitud of the terceros import)
    "import.problem.bad_coordinate": (
        "«{value}» no es una coordenada en grados decimales (ej. 4.6097)"
    ),
    "import.problem.coordinates_pair": "latitud y longitud van juntas: ambas o ninguna",
    "import.problem.outside_colombia": (
        "({latitude}, {longitude}) queda fuera de Colombia: ¿columnas invertidas?"
    ),
    # /ruta
    "route.ask_location": (
        "🗺 <b>Ruta del día</b>\nToca «📍 Compartir mi ubicación» para ordenar tus "
        "seguimientos de hoy desde donde estás."
    ),
    "route.title": "🗺 <b>Ruta del día</b> · {count} paradas · {km} km en total (a {speed} km/h)",
    "route.page": "Paradas {first}–{last} de {count}",
    "route.stop": (
        "<b>{n}. {name}</b> · {type}\n    vence {due}{overdue} · saldo {balance}\n    "
        "↳ {km} km desde {previous} · llegada ≈ {eta}"
    ),
    "route.overdue": " · <b>{days} d vencido</b>",
    "route.overdue_today": " · <b>vencido</b>",
    "route.from_here": "tu ubicación",
    "route.from_previous": "la anterior",
    "route.empty": "✅ No tienes seguimientos para hoy ni vencidos.",
    "route.none_located": "Ninguno de tus seguimientos de hoy tiene la ubicación del tercero.",
    "route.unlocated": "📌 <b>Sin ubicación del tercero</b> ({count}):",
    "route.unlocated_line": "• {name} · vence {due}{overdue}",
    "route.unlocated_more": "… y {count} más",
    "route.left_out": (
        "({count} seguimientos más quedan fuera de la ruta de hoy: atiéndelos desde /agenda.)"
    ),
    "route.b_arrive": "📍 Llegar",
    "route.privacy": "🔒 Tu ubicación solo se usa para calcular la ruta; no se guarda.",
    "route.no_location": "Ese tercero no tiene ubicación.",
    "route.error.bad_km": (
        "Escribe la distancia en km entre {min} y {max}, p. ej. <code>/cerca 2</code> "
        "o <code>/cerca 0,5</code>."
    ),
    "route.error.no_visit_type": (
        "No existe el tipo de seguimiento «{name}» (o está inactivo): pídeselo a un administrador."
    ),
    # /cerca
    "near.ask_location": (
        "📍 <b>Cerca de ti</b> ({km} km)\nToca «📍 Compartir mi ubicación» para ver los "
        "terceros de tu cartera a tu alrededor."
    ),
    "near.title": "📍 <b>{count} terceros a menos de {km} km</b>, del más cercano:",
    "near.line": "<b>{n}. {name}</b> · {distance}\n    saldo {balance} · {open} abiertos{overdue}",
    "near.overdue": " · ⚠️ vencido",
    "near.empty": "No hay terceros de tu cartera con ubicación a menos de {km} km.",
    "near.b_visit": "🚶 Visita T.A.T.",
    "near.visit_created": (
        "🚶 Seguimiento «Visita T.A.T.» creado: toca 📍 Registrar visita al llegar."
    ),
    "near.visit_open": (
        "🚶 Ya abriste esta «Visita T.A.T.» hace un momento: es la misma. Toca 📍 Registrar "
        "visita al llegar."
    ),
    # visits
    "visit.b_register": "📍 Registrar visita",
    "visit.b_end": "⏹ Terminar visita",
    "visit.b_save": "📌 Guardar como ubicación del tercero",
    "visit.b_card": "📋 Abrir seguimiento",
    "visit.ask_location": (
        "📍 <b>Registrar visita</b> · #{id} {name}\nComparte tu ubicación <b>en tiempo "
        "real</b> (📎 → Ubicación → Compartir ubicación en tiempo real). Se verifica si "
        "estás a menos de {radius} m de la ubicación confirmada del tercero; un pin fijo "
        "queda como visita no verificada."
    ),
    "visit.ask_end": (
        "📍 <b>Visita en curso</b> · #{id} {name} (desde {since})\nComparte tu "
        "ubicación otra vez, o toca ⏹ Terminar visita, para cerrarla."
    ),
    "visit.verified": "✅ Visita verificada (a {distance})",
    "visit.far": "⚠️ Visita no verificada (a {distance})",
    "visit.forwarded": "⚠️ Visita no verificada: la ubicación fue reenviada; comparte la tuya.",
    "visit.stale": (
        "⚠️ Visita no verificada: la ubicación se envió hace rato; compártela de nuevo al llegar."
    ),
    "visit.via_bot": (
        "⚠️ Visita no verificada: la ubicación llegó a través de otro bot; comparte la tuya."
    ),
    "visit.venue": "⚠️ Visita no verificada: es un lugar elegido de una lista, no tu posición.",
    "visit.static": "⚠️ Visita no verificada (ubicación fija)",
    "visit.proposed": (
        "⚠️ Visita no verificada (ubicación propuesta): la ubicación del tercero aún no la "
        "confirma un supervisor (a {distance})."
    ),
    "visit.hint_live": (
        "Para verificarla comparte tu ubicación en tiempo real: 📎 → Ubicación → Compartir "
        "ubicación en tiempo real."
    ),
    "visit.no_location": "📌 Visita registrada sin ubicación del tercero.",
    "visit.offer_save": "¿Es aquí? Puedes guardar esta ubicación como la del tercero.",
    "visit.started": "#{id} {name} · inicio {at}",
    "visit.ended": "⏹ Visita terminada · #{id} {name} · duración {minutes} min",
    "visit.saved": "📌 Ubicación guardada para {name}.",
    "visit.saved_proposed": (
        "📌 Ubicación propuesta para {name}: verificará visitas cuando un supervisor la confirme."
    ),
    "visit.error.none_open": "No tienes una visita en curso en este seguimiento.",
    "visit.error.outside": "Esa ubicación queda fuera de Colombia.",
    "visit.error.already_located": (
        "El tercero ya tiene ubicación; solo un supervisor puede cambiarla."
    ),
    "visit.error.not_fresh": "Solo una ubicación propia y reciente puede ser la del tercero.",
    "fu.ev.visit": "📍 Visita",
    "fu.ev.visit_verified": "verificada (a {distance})",
    "fu.ev.visit_unverified": "no verificada",
    "fu.ev.visit_minutes": "{minutes} min",
    # tercero card
    "tercero.b_location": "📍 Ubicación",
    "tercero.card.location": "📍 Ubicación: {source}",
    "tercero.card.no_location": "📍 Sin ubicación",
    "tercero.card.location_proposed": " · <i>propuesta, sin confirmar</i>",
    "tercero.b_confirm_location": "✅ Confirmar ubicación",
    "location.confirmed": (
        "✅ Ubicación de {name} confirmada: las visitas se verifican contra ella."
    ),
    "location.source.erp": "ERP",
    "location.source.visit": "visita de {by}, {at}",
    "location.source.shared": "{by}, {at}",
    "location.ask": (
        "📍 <b>Ubicación de {name}</b>\nComparte la ubicación del tercero (📎 → "
        "Ubicación; puedes mover el pin)."
    ),
    "location.saved": "📍 Ubicación de {name} guardada.",
    # agenda / desempeño
    "agenda.on_route": "🛣",
    "report.kind.visitas": "📍 Visitas",
    "report.by.visitas": "Visitas por responsable",
}

EN = {
    "command.ruta": "Today's route from where you are",
    "command.cerca": "Terceros near you",
    "import.problem.bad_coordinate": (
        "«{value}» is not a coordinate in decimal degrees (e.g. 4.6097)"
    ),
    "import.problem.coordinates_pair": "latitud and longitud go together: both or neither",
    "import.problem.outside_colombia": (
        "({latitude}, {longitude}) is outside Colombia: columns swapped?"
    ),
    "route.ask_location": (
        "🗺 <b>Today's route</b>\nTap «📍 Share my location» to order today's follow-ups "
        "from where you are."
    ),
    "route.title": "🗺 <b>Today's route</b> · {count} stops · {km} km in all (at {speed} km/h)",
    "route.page": "Stops {first}–{last} of {count}",
    "route.stop": (
        "<b>{n}. {name}</b> · {type}\n    due {due}{overdue} · balance {balance}\n    "
        "↳ {km} km from {previous} · arrival ≈ {eta}"
    ),
    "route.overdue": " · <b>{days} d overdue</b>",
    "route.overdue_today": " · <b>overdue</b>",
    "route.from_here": "your location",
    "route.from_previous": "the previous one",
    "route.empty": "✅ You have no follow-ups due today or overdue.",
    "route.none_located": "None of today's follow-ups has the tercero's location.",
    "route.unlocated": "📌 <b>Without the tercero's location</b> ({count}):",
    "route.unlocated_line": "• {name} · due {due}{overdue}",
    "route.unlocated_more": "… and {count} more",
    "route.left_out": "({count} more follow-ups are left out of today's route: see /agenda.)",
    "route.b_arrive": "📍 Go",
    "route.privacy": "🔒 Your location is only used to compute the route; it is not stored.",
    "route.no_location": "That tercero has no location.",
    "route.error.bad_km": (
        "Type the distance in km between {min} and {max}, e.g. <code>/cerca 2</code> "
        "or <code>/cerca 0.5</code>."
    ),
    "route.error.no_visit_type": (
        "The follow-up type «{name}» does not exist (or is inactive): ask an admin."
    ),
    "near.ask_location": (
        "📍 <b>Near you</b> ({km} km)\nTap «📍 Share my location» to see the terceros of "
        "your book around you."
    ),
    "near.title": "📍 <b>{count} terceros within {km} km</b>, nearest first:",
    "near.line": "<b>{n}. {name}</b> · {distance}\n    balance {balance} · {open} open{overdue}",
    "near.overdue": " · ⚠️ overdue",
    "near.empty": "No tercero of your book with a location within {km} km.",
    "near.b_visit": "🚶 Visita T.A.T.",
    "near.visit_created": (
        "🚶 «Visita T.A.T.» follow-up created: tap 📍 Register visit when you arrive."
    ),
    "near.visit_open": (
        "🚶 You opened this «Visita T.A.T.» a moment ago: it is the same one. Tap 📍 Register "
        "visit when you arrive."
    ),
    "visit.b_register": "📍 Register visit",
    "visit.b_end": "⏹ End visit",
    "visit.b_save": "📌 Save as the tercero's location",
    "visit.b_card": "📋 Open follow-up",
    "visit.ask_location": (
        "📍 <b>Register visit</b> · #{id} {name}\nShare your <b>live</b> location "
        "(📎 → Location → Share live location). It is verified if you are within "
        "{radius} m of the tercero's confirmed location; a static pin is recorded as an "
        "unverified visit."
    ),
    "visit.ask_end": (
        "📍 <b>Visit in progress</b> · #{id} {name} (since {since})\nShare your "
        "location again, or tap ⏹ End visit, to close it."
    ),
    "visit.verified": "✅ Verified visit ({distance} away)",
    "visit.far": "⚠️ Unverified visit ({distance} away)",
    "visit.forwarded": "⚠️ Unverified visit: the location was forwarded; share your own.",
    "visit.stale": (
        "⚠️ Unverified visit: the location was sent a while ago; share it again on arrival."
    ),
    "visit.via_bot": "⚠️ Unverified visit: the location came through another bot; share your own.",
    "visit.venue": "⚠️ Unverified visit: a place picked from a list is not your position.",
    "visit.static": "⚠️ Unverified visit (static location)",
    "visit.proposed": (
        "⚠️ Unverified visit (proposed location): no supervisor has confirmed the tercero's "
        "location yet ({distance} away)."
    ),
    "visit.hint_live": (
        "To verify it, share your live location: 📎 → Location → Share live location."
    ),
    "visit.no_location": "📌 Visit recorded without the tercero's location.",
    "visit.offer_save": "Is it here? You can save this location as the tercero's.",
    "visit.started": "#{id} {name} · started {at}",
    "visit.ended": "⏹ Visit ended · #{id} {name} · {minutes} min",
    "visit.saved": "📌 Location saved for {name}.",
    "visit.saved_proposed": (
        "📌 Location proposed for {name}: it verifies visits once a supervisor confirms it."
    ),
    "visit.error.none_open": "You have no visit in progress on this follow-up.",
    "visit.error.outside": "That location is outside Colombia.",
    "visit.error.already_located": (
        "The tercero already has a location; only a supervisor may change it."
    ),
    "visit.error.not_fresh": "Only your own, recent location can become the tercero's.",
    "fu.ev.visit": "📍 Visit",
    "fu.ev.visit_verified": "verified ({distance} away)",
    "fu.ev.visit_unverified": "unverified",
    "fu.ev.visit_minutes": "{minutes} min",
    "tercero.b_location": "📍 Location",
    "tercero.card.location": "📍 Location: {source}",
    "tercero.card.no_location": "📍 No location",
    "tercero.card.location_proposed": " · <i>proposed, not confirmed</i>",
    "tercero.b_confirm_location": "✅ Confirm location",
    "location.confirmed": "✅ Location of {name} confirmed: visits are verified against it.",
    "location.source.erp": "ERP",
    "location.source.visit": "visit by {by}, {at}",
    "location.source.shared": "{by}, {at}",
    "location.ask": (
        "📍 <b>Location of {name}</b>\nShare the tercero's location (📎 → Location; you "
        "may move the pin)."
    ),
    "location.saved": "📍 Location of {name} saved.",
    "agenda.on_route": "🛣",
    "report.kind.visitas": "📍 Visits",
    "report.by.visitas": "Visits by owner",
}
