"""Texts of /cartera: book aging, per-tercero cartera, starting follow-ups and promises."""

ES = {
    "cartera.bucket.current": "Corriente",
    "cartera.bucket.d1_30": "1–30",
    "cartera.bucket.d31_60": "31–60",
    "cartera.bucket.d61_90": "61–90",
    "cartera.bucket.d90_plus": "> 90",
    "cartera.title.own": "💰 <b>Cartera de tu libro</b> al {today}",
    "cartera.title.team": "💰 <b>Cartera de tu equipo</b> al {today}",
    "cartera.title.all": "💰 <b>Cartera de la empresa</b> al {today}",
    "cartera.title.agent": "💰 <b>Cartera de {name}</b> al {today}",
    "cartera.bucket_line": "{label}: {amount}",
    "cartera.days_note": "(días vencidos)",
    "cartera.total_line": "<b>Total: {total} · Vencida: {overdue}</b>",
    "cartera.counts": (
        "{documents} {documents:plural:one=documento abierto|other=documentos abiertos} · "
        "{uncovered} sin seguimiento"
    ),
    "cartera.empty": "No hay cartera abierta en este libro.",
    "cartera.split_title": "<b>Por agente:</b>",
    "cartera.split_line": "• {name}: {total} · vencida {overdue}",
    "cartera.no_encargado": "Sin encargado",
    "cartera.top_title": "<b>Mayor cartera vencida</b> (toca para ver el tercero):",
    "cartera.top_button": "{name} · {overdue}",
    "cartera.button.start": "▶ Iniciar seguimiento {label}",
    "cartera.button.start_all": "⏩ Iniciar todos ({count})",
    "cartera.button.followup": "📋 Seguimiento #{id} ({label})",
    "cartera.tercero.title": "💰 Cartera de <b>{name}</b> (NIT {nit}) al {today}",
    "cartera.tercero.buckets": "{buckets}",
    "cartera.tercero.line": (
        "<b>{label}</b> · vence {due} · {days} · <i>{bucket}</i>\n   Saldo {balance} · {cover}"
    ),
    "cartera.days.overdue": "{days} {days:plural:one=día|other=días} vencido",
    "cartera.days.today": "vence hoy",
    "cartera.days.ahead": (
        "{days:plural:one=falta|other=faltan} {days} {days:plural:one=día|other=días}"
    ),
    "cartera.sin_seguimiento": "⚠️ sin seguimiento",
    "cartera.covered": "✅ seguimiento #{id}",
    "cartera.tercero.empty": "Este tercero no tiene documentos con saldo pendiente.",
    "cartera.started_one": "✅ Seguimiento #{id} creado para {label} ({owner}).",
    "cartera.started_all": (
        "✅ {created:plural:one=Se creó|other=Se crearon} {created} "
        "{created:plural:one=seguimiento|other=seguimientos}."
    ),
    "cartera.started_none": "No había documentos sin seguimiento; no se creó ninguno.",
    "cartera.promise.ask_amount": (
        "🤝 Compromiso de pago de <b>{tercero}</b> por <b>{label}</b>.\n"
        "Saldo: {balance}.{pending}\n\n"
        "Escribe el <b>monto</b> prometido (por ejemplo <code>500.000</code>), o /cancelar."
    ),
    "cartera.promise.pending": (
        "\nYa hay un compromiso pendiente de {amount} para el {date}; el nuevo lo reemplaza."
    ),
    "cartera.promise.ask_date": (
        "Monto: <b>{amount}</b>. ¿Para qué <b>fecha</b> promete pagar? Elige o escribe "
        "DD/MM/AAAA, o /cancelar."
    ),
    "cartera.promise.day_button": "{label} {date}",
    "cartera.promise.tomorrow": "Mañana",
    "cartera.promise.in_days": "En {days} {days:plural:one=día|other=días}",
    "cartera.promise.done": (
        "✅ Compromiso registrado: {amount} para el {date}.\n"
        "El seguimiento #{id} vence ese día a las {time}; si el pago no llega a tiempo "
        "quedará como incumplido."
    ),
    "cartera.promise.open": "📋 Abrir seguimiento",
    "cartera.promise.expired": "Ese compromiso ya no está en curso. Ábrelo de nuevo.",
    "cartera.promise.status.pending": "pendiente",
    "cartera.promise.status.kept": "cumplido",
    "cartera.promise.status.broken": "incumplido",
    "cartera.promise.status.replaced": "reemplazado",
    "error.cartera_already_followed": (
        "Ese documento ya tiene un seguimiento activo (#{id}); no se creó otro."
    ),
    "error.cartera_document_paid": "Ese documento ya no tiene saldo pendiente.",
    "error.cartera_no_owner": "Ese tercero no tiene encargado activo. Asígnale uno primero.",
    "error.cartera_no_type": (
        "Falta el tipo de seguimiento «{name}» (o está inactivo). Pide a un administrador "
        "que lo active en /config."
    ),
    "error.promise_bad_amount": (
        "No entendí el monto. Escríbelo en pesos, por ejemplo <code>500.000</code> o "
        "<code>1.250.000,50</code>."
    ),
    "error.promise_over_balance": "El monto supera el saldo del documento ({balance}).",
    "error.promise_date_past": "La fecha del compromiso no puede ser anterior a hoy.",
    "error.promise_date_far": (
        "La fecha del compromiso debe estar dentro de {days} {days:plural:one=día|other=días}."
    ),
    "error.promise_needs_document": (
        "Este seguimiento no está ligado a un documento de cartera; no admite compromiso de pago."
    ),
    "error.promise_nothing_owed": "El documento ya no tiene saldo; no hace falta compromiso.",
}

EN = {
    "cartera.bucket.current": "Current",
    "cartera.bucket.d1_30": "1–30",
    "cartera.bucket.d31_60": "31–60",
    "cartera.bucket.d61_90": "61–90",
    "cartera.bucket.d90_plus": "> 90",
    "cartera.title.own": "💰 <b>Your book's receivables</b> as of {today}",
    "cartera.title.team": "💰 <b>Your team's receivables</b> as of {today}",
    "cartera.title.all": "💰 <b>Company receivables</b> as of {today}",
    "cartera.title.agent": "💰 <b>Receivables of {name}</b> as of {today}",
    "cartera.bucket_line": "{label}: {amount}",
    "cartera.days_note": "(days past due)",
    "cartera.total_line": "<b>Total: {total} · Overdue: {overdue}</b>",
    "cartera.counts": (
        "{documents} open {documents:plural:one=document|other=documents} · {uncovered} without "
        "follow-up"
    ),
    "cartera.empty": "There are no open receivables in this book.",
    "cartera.split_title": "<b>By agent:</b>",
    "cartera.split_line": "• {name}: {total} · overdue {overdue}",
    "cartera.no_encargado": "No account manager",
    "cartera.top_title": "<b>Largest overdue balances</b> (tap to open the tercero):",
    "cartera.top_button": "{name} · {overdue}",
    "cartera.button.start": "▶ Start follow-up {label}",
    "cartera.button.start_all": "⏩ Start all ({count})",
    "cartera.button.followup": "📋 Follow-up #{id} ({label})",
    "cartera.tercero.title": "💰 Receivables of <b>{name}</b> (NIT {nit}) as of {today}",
    "cartera.tercero.buckets": "{buckets}",
    "cartera.tercero.line": (
        "<b>{label}</b> · due {due} · {days} · <i>{bucket}</i>\n   Balance {balance} · {cover}"
    ),
    "cartera.days.overdue": "{days} {days:plural:one=day|other=days} overdue",
    "cartera.days.today": "due today",
    "cartera.days.ahead": "{days} {days:plural:one=day|other=days} left",
    "cartera.sin_seguimiento": "⚠️ no follow-up",
    "cartera.covered": "✅ follow-up #{id}",
    "cartera.tercero.empty": "This tercero has no documents with an open balance.",
    "cartera.started_one": "✅ Follow-up #{id} created for {label} ({owner}).",
    "cartera.started_all": "✅ {created} {created:plural:one=follow-up|other=follow-ups} created.",
    "cartera.started_none": "There were no documents without follow-up; none created.",
    "cartera.promise.ask_amount": (
        "🤝 Promise to pay from <b>{tercero}</b> for <b>{label}</b>.\n"
        "Balance: {balance}.{pending}\n\n"
        "Type the promised <b>amount</b> (e.g. <code>500.000</code>), or /cancelar."
    ),
    "cartera.promise.pending": (
        "\nThere is already a pending promise of {amount} for {date}; the new one replaces it."
    ),
    "cartera.promise.ask_date": (
        "Amount: <b>{amount}</b>. On which <b>date</b> do they promise to pay? Pick or type "
        "DD/MM/YYYY, or /cancelar."
    ),
    "cartera.promise.day_button": "{label} {date}",
    "cartera.promise.tomorrow": "Tomorrow",
    "cartera.promise.in_days": "In {days} {days:plural:one=day|other=days}",
    "cartera.promise.done": (
        "✅ Promise recorded: {amount} for {date}.\n"
        "Follow-up #{id} falls due that day at {time}; if the payment does not arrive in time "
        "it will be marked broken."
    ),
    "cartera.promise.open": "📋 Open follow-up",
    "cartera.promise.expired": "That promise is no longer in progress. Open it again.",
    "cartera.promise.status.pending": "pending",
    "cartera.promise.status.kept": "kept",
    "cartera.promise.status.broken": "broken",
    "cartera.promise.status.replaced": "replaced",
    "error.cartera_already_followed": (
        "That document already has an active follow-up (#{id}); no other was created."
    ),
    "error.cartera_document_paid": "That document has no open balance any more.",
    "error.cartera_no_owner": "That tercero has no active account manager. Assign one first.",
    "error.cartera_no_type": (
        "The follow-up type «{name}» is missing or inactive. Ask an administrator to enable it "
        "in /config."
    ),
    "error.promise_bad_amount": (
        "I did not understand the amount. Type it in pesos, e.g. <code>500.000</code> or "
        "<code>1.250.000,50</code>."
    ),
    "error.promise_over_balance": "The amount is more than the document's balance ({balance}).",
    "error.promise_date_past": "The promise date cannot be before today.",
    "error.promise_date_far": (
        "The promise date must be within {days} {days:plural:one=day|other=days}."
    ),
    "error.promise_needs_document": (
        "This follow-up is not linked to a cartera document; it cannot take a promise to pay."
    ),
    "error.promise_nothing_owed": "The document has no balance left; no promise is needed.",
}
