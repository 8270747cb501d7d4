"""The shared input grammar's refusals (crm/input.py)."""

ES = {
    "error.input_year_range": (
        "La fecha «{value}» está fuera de rango: usa un año entre {min} y {max}."
    ),
    "error.input_bad_date": (
        "No entendí la fecha «{value}». Escribe <code>DD/MM/AAAA</code>, <code>DD/MM</code>, "
        "<code>AAAA-MM-DD</code>, <code>hoy</code>, <code>ayer</code> o <code>mañana</code>."
    ),
    "error.input_bad_days": (
        "«{value}»: escribe entre 1 y {max} días, por ejemplo <code>7d</code>."
    ),
    "error.input_range_reversed": (
        "El rango {start} – {end} está al revés: la primera fecha va antes."
    ),
    "error.agenda_only_active": (
        "La agenda muestra solo seguimientos activos. Para cerrados o descartados usa "
        "<code>/informe seguimientos estado:{value}</code>."
    ),
}

EN = {
    "error.input_year_range": (
        "The date «{value}» is out of range: use a year from {min} to {max}."
    ),
    "error.input_bad_date": (
        "I did not understand the date «{value}». Type <code>DD/MM/YYYY</code>, "
        "<code>DD/MM</code>, <code>YYYY-MM-DD</code>, <code>hoy</code>, <code>ayer</code> or "
        "<code>mañana</code>."
    ),
    "error.input_bad_days": ("«{value}»: type from 1 to {max} days, for example <code>7d</code>."),
    "error.input_range_reversed": (
        "The range {start} – {end} is reversed: the first date goes first."
    ),
    "error.agenda_only_active": (
        "The agenda shows active follow-ups only. For closed or discarded ones use "
        "<code>/informe seguimientos estado:{value}</code>."
    ),
}
