"""Texts of cobranza within the law: 📞 Contacto with the Ley 2300 guard, 🧾 Pago reportado
with the receipt read by OCR, the contactos report and the terceros import's Ley 2300 columns."""

ES = {
    # The guard's line (exact words of the issue).
    "ley.ok": "✅ Puedes contactar hoy por {channels}",
    "ley.or": " o ",
    "ley.not_protected": "✅ Puedes contactar hoy (la Ley 2300 no aplica a este tercero)",
    "ley.sunday": "⛔ Domingo",
    "ley.holiday": "⛔ Festivo ({day}, {holiday})",
    "ley.hours": "⛔ Fuera de horario ({when})",
    "ley.when.before": "antes de las {limit}",
    "ley.when.after": "después de las {limit}",
    "ley.when.sat_before": "sábado antes de las {limit}",
    "ley.when.sat_after": "sábado después de las {limit}",
    "ley.today": "⛔ Ya hubo un contacto hoy ({time}, {who}, {channel})",
    "ley.week": "⛔ Esta semana ya se usó {channel}",
    "ley.channel": "⛔ Canal no autorizado",
    "ley.blocked": "⛔ La Ley 2300 no permite este contacto ahora.",
    "ley.override_needs_reason": "Para registrar una excepción escribe su motivo.",
    "ley.bad_channel": "Ese canal no existe: llamada, whatsapp, sms, correo o visita.",
    "ley.bad_result": "Ese resultado no existe.",
    # 📞 Contacto
    "ct.b_contact": "📞 Contacto",
    "ct.title": "📞 <b>Contacto con {tercero}</b>",
    "ct.pick_channel": "¿Por qué canal?",
    "ct.channel.llamada": "📞 Llamada",
    "ct.channel.whatsapp": "💬 WhatsApp",
    "ct.channel.sms": "✉️ SMS",
    "ct.channel.correo": "📧 Correo",
    "ct.channel.visita": "🚶 Visita",
    "ct.name.llamada": "llamada",
    "ct.name.whatsapp": "WhatsApp",
    "ct.name.sms": "SMS",
    "ct.name.correo": "correo",
    "ct.name.visita": "visita",
    "ct.result.0": "Contestó",
    "ct.result.1": "No contestó",
    "ct.result.2": "Número errado",
    "ct.result.3": "Promesa de pago",
    "ct.result.4": "Pago reportado",
    "ct.result.5": "Otro",
    "ct.pick_result": "Canal: <b>{channel}</b>. ¿Cuál fue el resultado?",
    "ct.ask_note": (
        "Contacto por <b>{channel}</b>: <i>{result}</i>.\n"
        "Escribe una nota (opcional) o toca «Sin nota»."
    ),
    "ct.b_no_note": "Sin nota",
    "ct.add_note": "Escribe una nota (opcional) para agregarla, o toca «Sin nota».",
    "ct.note_already": "Ese contacto ya tiene su nota.",
    "ley.refused.activity": (
        "{reason}\nNo se registró la actividad: es un contacto que la Ley 2300 no permite ahora. "
        "El intento queda en el informe de cumplimiento."
    ),
    "ley.refused.visit": (
        "{reason}\nNo se registró la visita: es un contacto que la Ley 2300 no permite ahora. "
        "El intento queda en el informe de cumplimiento."
    ),
    "ley.refused.exception": (
        "Como supervisor puedes registrarlo con una excepción desde 📞 Contacto, escribiendo "
        "su motivo; después registra la visita o la actividad."
    ),
    "ct.blocked_agent": (
        "{reason}\nNo se registró el contacto; el intento queda en el informe de cumplimiento."
    ),
    "ct.blocked_supervisor": (
        "{reason}\nComo supervisor puedes registrarlo con una excepción, escribiendo su motivo."
    ),
    "ct.b_override": "⚠️ Registrar con excepción",
    "ct.ask_reason": (
        "Escribe el motivo de la excepción a la Ley 2300 (queda en la auditoría y en el informe)."
    ),
    "ct.done": "✅ Contacto registrado: {channel} · {result}.",
    "ct.done_override": "⚠️ Contacto registrado con excepción: {channel} · {result}.",
    "ct.expired": "Ese contacto ya no está pendiente; vuelve a tocar 📞 Contacto.",
    "ct.send_text": "Escribe el texto, por favor (o /cancelar).",
    # 🧾 Pago reportado
    "pg.b_report": "🧾 Pago reportado",
    "pg.ask_photo": (
        "🧾 Envía una foto o captura del comprobante de pago de <b>{document}</b> "
        "(saldo {balance})."
    ),
    "pg.read": (
        "🧾 <b>Leí del comprobante:</b>\nValor: <b>{amount}</b>\nFecha: {date}\n"
        "Referencia: {reference}\nBanco: {bank}\n\n¿Es correcto?"
    ),
    "pg.unknown": "—",
    "pg.b_confirm": "✅ Confirmar",
    "pg.b_fix": "✏️ Corregir",
    "pg.no_ocr": (
        "No puedo leer fotos en este servidor. Escribe el valor pagado "
        "(y, si quieres, la fecha y la referencia)."
    ),
    "pg.no_amount": (
        "No pude leer el valor del comprobante. Escríbelo (y, si quieres, la fecha y la "
        "referencia): <code>1.250.000 01/12/2026 ref 123456</code>"
    ),
    "pg.ask_fix": (
        "Escribe el valor y, si quieres, la fecha y la referencia: "
        "<code>1.250.000 01/12/2026 ref 123456</code>"
    ),
    "pg.bad_fix": "No entendí el valor. Ejemplo: <code>1.250.000 01/12/2026 ref 123456</code>",
    "pg.unreadable": (
        "No pude leer esa imagen. Escribe el valor pagado (y, si quieres, la fecha y la "
        "referencia): <code>1.250.000 01/12/2026 ref 123456</code>\nO toca 🧾 Pago reportado "
        "otra vez y envía una foto o captura más clara (JPEG, PNG o WebP, hasta {mb} MB)."
    ),
    "pg.send_photo": "Envía una foto o captura del comprobante (o /cancelar).",
    "pg.not_image": "Ese archivo no es una imagen; envía una foto o captura del comprobante.",
    "pg.done": (
        "✅ Pago reportado: {amount} en {document}. Se confirmará con la próxima importación "
        "de cartera."
    ),
    "pg.expired": "Ese comprobante ya no está pendiente; vuelve a tocar 🧾 Pago reportado.",
    "pg.error.no_amount": "Falta el valor pagado.",
    "pg.error.bad_date": "La fecha del pago debe ser de hoy o de los últimos {days} días.",
    "pg.unseen": (
        "⚠️ <b>Pago no visto en cartera</b>\n{agent} reportó {amount} de <b>{tercero}</b> "
        "({document}) el {date}; {days} días después la cartera no lo muestra."
    ),
    # Follow-up history
    "fu.ev.contact": "📞 Contacto",
    "fu.ev.payment_reported": "🧾 Pago reportado",
    "fu.ev.payment_confirmed": "✅ Pago confirmado",
    "fu.ev.payment_unseen": "⚠️ Pago no visto en cartera",
    # /informe contactos
    "report.kind.contactos": "📞 Contactos",
    "report.by.contactos": "Contactos por responsable",
    # Terceros import
    "import.problem.bad_person_type": (
        "«{value}» no es un tipo de persona: usa N (natural) o J (jurídica)"
    ),
    "import.problem.bad_channel": (
        "«{value}» no es un canal: usa llamada, whatsapp, sms, correo o visita, separados por ;"
    ),
}

EN = {
    "ley.ok": "✅ You may contact today by {channels}",
    "ley.or": " or ",
    "ley.not_protected": "✅ You may contact today (Ley 2300 does not apply to this tercero)",
    "ley.sunday": "⛔ Sunday",
    "ley.holiday": "⛔ Public holiday ({day}, {holiday})",
    "ley.hours": "⛔ Outside hours ({when})",
    "ley.when.before": "before {limit}",
    "ley.when.after": "after {limit}",
    "ley.when.sat_before": "Saturday before {limit}",
    "ley.when.sat_after": "Saturday after {limit}",
    "ley.today": "⛔ Already contacted today ({time}, {who}, {channel})",
    "ley.week": "⛔ {channel} was already used this week",
    "ley.channel": "⛔ Channel not authorised",
    "ley.blocked": "⛔ Ley 2300 does not allow this contact now.",
    "ley.override_needs_reason": "To register an exception, type its reason.",
    "ley.bad_channel": "No such channel: llamada, whatsapp, sms, correo or visita.",
    "ley.bad_result": "No such result.",
    "ct.b_contact": "📞 Contact",
    "ct.title": "📞 <b>Contact with {tercero}</b>",
    "ct.pick_channel": "Which channel?",
    "ct.channel.llamada": "📞 Call",
    "ct.channel.whatsapp": "💬 WhatsApp",
    "ct.channel.sms": "✉️ SMS",
    "ct.channel.correo": "📧 E-mail",
    "ct.channel.visita": "🚶 Visit",
    "ct.name.llamada": "call",
    "ct.name.whatsapp": "WhatsApp",
    "ct.name.sms": "SMS",
    "ct.name.correo": "e-mail",
    "ct.name.visita": "visit",
    "ct.result.0": "Answered",
    "ct.result.1": "No answer",
    "ct.result.2": "Wrong number",
    "ct.result.3": "Promise to pay",
    "ct.result.4": "Payment reported",
    "ct.result.5": "Other",
    "ct.pick_result": "Channel: <b>{channel}</b>. What was the result?",
    "ct.ask_note": (
        "Contact by <b>{channel}</b>: <i>{result}</i>.\nType a note (optional) or tap «No note»."
    ),
    "ct.b_no_note": "No note",
    "ct.add_note": "Type a note (optional) to add it, or tap «No note».",
    "ct.note_already": "That contact already has its note.",
    "ley.refused.activity": (
        "{reason}\nThe activity was not recorded: it is a contact Ley 2300 does not allow now. "
        "The attempt shows in the compliance report."
    ),
    "ley.refused.visit": (
        "{reason}\nThe visit was not recorded: it is a contact Ley 2300 does not allow now. "
        "The attempt shows in the compliance report."
    ),
    "ley.refused.exception": (
        "As a supervisor you may register it as an exception from 📞 Contact, typing its "
        "reason; then record the visit or the activity."
    ),
    "ct.blocked_agent": (
        "{reason}\nThe contact was not registered; the attempt shows in the compliance report."
    ),
    "ct.blocked_supervisor": (
        "{reason}\nAs a supervisor you may register it as an exception, typing its reason."
    ),
    "ct.b_override": "⚠️ Register as exception",
    "ct.ask_reason": (
        "Type the reason for the Ley 2300 exception (it goes to the audit and the report)."
    ),
    "ct.done": "✅ Contact registered: {channel} · {result}.",
    "ct.done_override": "⚠️ Contact registered as an exception: {channel} · {result}.",
    "ct.expired": "That contact is no longer pending; tap 📞 Contact again.",
    "ct.send_text": "Please type the text (or /cancelar).",
    "pg.b_report": "🧾 Payment reported",
    "pg.ask_photo": (
        "🧾 Send a photo or screenshot of the payment receipt for <b>{document}</b> "
        "(balance {balance})."
    ),
    "pg.read": (
        "🧾 <b>I read on the receipt:</b>\nAmount: <b>{amount}</b>\nDate: {date}\n"
        "Reference: {reference}\nBank: {bank}\n\nIs that right?"
    ),
    "pg.unknown": "—",
    "pg.b_confirm": "✅ Confirm",
    "pg.b_fix": "✏️ Correct",
    "pg.no_ocr": (
        "I cannot read photos on this server. Type the amount paid "
        "(and, if you like, the date and the reference)."
    ),
    "pg.no_amount": (
        "I could not read the amount on the receipt. Type it (and, if you like, the date and "
        "the reference): <code>1.250.000 01/12/2026 ref 123456</code>"
    ),
    "pg.ask_fix": (
        "Type the amount and, if you like, the date and the reference: "
        "<code>1.250.000 01/12/2026 ref 123456</code>"
    ),
    "pg.bad_fix": (
        "I did not get the amount. Example: <code>1.250.000 01/12/2026 ref 123456</code>"
    ),
    "pg.unreadable": (
        "I could not read that image. Type the amount paid (and, if you like, the date and the "
        "reference): <code>1.250.000 01/12/2026 ref 123456</code>\nOr tap 🧾 Payment reported "
        "again and send a clearer photo or screenshot (JPEG, PNG or WebP, up to {mb} MB)."
    ),
    "pg.send_photo": "Send a photo or screenshot of the receipt (or /cancelar).",
    "pg.not_image": "That file is not an image; send a photo or screenshot of the receipt.",
    "pg.done": (
        "✅ Payment reported: {amount} on {document}. It will be confirmed by the next cartera "
        "import."
    ),
    "pg.expired": "That receipt is no longer pending; tap 🧾 Payment reported again.",
    "pg.error.no_amount": "The amount paid is missing.",
    "pg.error.bad_date": "The payment date must be today or within the last {days} days.",
    "pg.unseen": (
        "⚠️ <b>Payment not seen in cartera</b>\n{agent} reported {amount} from <b>{tercero}</b> "
        "({document}) on {date}; {days} days later the cartera does not show it."
    ),
    "fu.ev.contact": "📞 Contact",
    "fu.ev.payment_reported": "🧾 Payment reported",
    "fu.ev.payment_confirmed": "✅ Payment confirmed",
    "fu.ev.payment_unseen": "⚠️ Payment not seen in cartera",
    "report.kind.contactos": "📞 Contacts",
    "report.by.contactos": "Contacts by owner",
    "import.problem.bad_person_type": (
        "«{value}» is not a person type: use N (natural) or J (jurídica, legal person)"
    ),
    "import.problem.bad_channel": (
        "«{value}» is not a channel: use llamada, whatsapp, sms, correo or visita, separated by ;"
    ),
}
