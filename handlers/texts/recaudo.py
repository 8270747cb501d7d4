"""Texts of the balance history: recaudo in /cartera and the recaudo report."""

ES = {
    "cartera.collected_month": "💵 Recaudado este mes: <b>{amount}</b>",
    "report.kind.recaudo": "💵 Recaudo",
    "report.by.recaudo": "Por encargado",
    "cartera.chart_title": "Cartera por antigüedad",
    "cartera.chart_note": "Total {total} · Recaudado este mes {collected}",
}

EN = {
    "cartera.collected_month": "💵 Collected this month: <b>{amount}</b>",
    "report.kind.recaudo": "💵 Collections",
    "report.by.recaudo": "By account manager",
    "cartera.chart_title": "Cartera by age",
    "cartera.chart_note": "Total {total} · Collected this month {collected}",
}
