"""/informe arguments: every period form, defaults, filters and the refusals that show the
right form."""

from __future__ import annotations

from datetime import date

import pytest

from crm.kernel.errors import InvalidInput
from crm.reports import parse_request, request_for
from handlers.texts import t

TODAY = date(2026, 11, 27)  # a Friday


@pytest.mark.parametrize(
    ("args", "start", "end"),
    [
        ("seguimientos hoy", TODAY, TODAY),
        ("seguimientos ayer", date(2026, 11, 26), date(2026, 11, 26)),
        ("seguimientos semana", date(2026, 11, 23), TODAY),
        ("seguimientos mes", date(2026, 11, 1), TODAY),
        ("seguimientos 2026-10-05", date(2026, 10, 5), date(2026, 10, 5)),
        ("seguimientos 2026-10-01 2026-10-31", date(2026, 10, 1), date(2026, 10, 31)),
        ("seguimientos 01/10/2026 31/10/2026", date(2026, 10, 1), date(2026, 10, 31)),
        ("actividades MES", date(2026, 11, 1), TODAY),
        ("seguimientos", date(2026, 11, 1), TODAY),  # default: mes
        ("agenda", TODAY, TODAY),  # default for agenda: hoy
        ("cartera", date(2026, 11, 1), TODAY),
        ("desempeño semana", date(2026, 11, 23), TODAY),
        # The shared grammar (crm/input.py): what /agenda and the buttons say works here too.
        ("agenda mañana", date(2026, 11, 28), date(2026, 11, 28)),
        ("seguimientos 7d", date(2026, 11, 21), TODAY),
        ("seguimientos 7 días", date(2026, 11, 21), TODAY),
        ("seguimientos 5/11", date(2026, 11, 5), date(2026, 11, 5)),
        ("seguimientos 01/11/2026 hoy", date(2026, 11, 1), TODAY),
    ],
)
def test_every_period_form(args: str, start: date, end: date) -> None:
    request = parse_request(args, TODAY)
    assert (request.start, request.end) == (start, end)
    assert request.filename == f"informe-{request.kind}-{start.isoformat()}-{end.isoformat()}.xlsx"


def test_semana_on_monday_is_just_monday() -> None:
    monday = date(2026, 11, 23)
    request = parse_request("actividades semana", monday)
    assert (request.start, request.end) == (monday, monday)


def test_filters_in_any_order_with_spaces_in_names() -> None:
    request = parse_request(
        ["seguimientos", "mes", "estado:Pagado", "agente:luis", "tipo:Cobro", "de", "cartera"],
        TODAY,
    )
    assert request.filter("agente") == "luis"
    assert request.filter("estado") == "Pagado"
    assert request.filter("tipo") == "Cobro de cartera"
    quoted = parse_request('seguimientos tipo:"Cobro de cartera" nit:900111222-1', TODAY)
    assert quoted.filter("tipo") == "Cobro de cartera"
    assert quoted.filter("nit") == "900111222-1"
    assert (quoted.start, quoted.end) == (date(2026, 11, 1), TODAY)
    curly = parse_request("seguimientos tipo:“Cobro de cartera”", TODAY)
    assert curly.filter("tipo") == "Cobro de cartera"


@pytest.mark.parametrize(
    ("args", "key"),
    [
        ("ventas mes", "error.report_bad_kind"),
        ("seguimientos pronto", "error.report_bad_argument"),
        ("seguimientos vencidos", "error.report_bad_argument"),
        ("seguimientos mes extra", "error.report_bad_argument"),
        ("seguimientos 2026-02-30", "error.report_bad_date"),
        ("seguimientos 31/02/2026", "error.report_bad_date"),
        ("seguimientos 9999-12-31", "error.report_bad_date"),
        ("agenda 2026-01-01 9999-12-31", "error.report_bad_date"),
        ("seguimientos 2026-11-30 2026-11-01", "error.report_range_reversed"),
        ("seguimientos color:rojo", "error.report_bad_filter"),
        ("seguimientos agente:", "error.report_bad_filter"),
        ("seguimientos agente:LUIS agente:MARIA", "error.report_bad_filter"),
        ('seguimientos tipo:"sin cerrar', "error.report_bad_argument"),
        ("cartera tipo:Cobro", "error.report_filter_not_for"),
    ],
)
def test_bad_forms_are_refused_with_the_usage(args: str, key: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_request(args, TODAY)
    assert caught.value.key == key
    text = t("es", caught.value.key, **caught.value.params)
    if key != "error.report_filter_not_for":
        assert "/informe TIPO [PERIODO] [filtros]" in text and "Ejemplo" in text
    assert "Example" in t("en", caught.value.key, **caught.value.params)


def test_user_text_in_refusals_is_escaped() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_request("<b>x</b>", TODAY)
    assert "<b>x</b>" not in t("es", caught.value.key, **caught.value.params)


def test_button_requests() -> None:
    request = request_for("actividades", "semana", TODAY)
    assert (request.start, request.end, request.filters) == (date(2026, 11, 23), TODAY, ())
    with pytest.raises(InvalidInput):
        request_for("ventas", "mes", TODAY)
