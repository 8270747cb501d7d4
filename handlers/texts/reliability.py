"""Texts for reliability faults: import rows the file itself breaks, dates out of range."""

from __future__ import annotations

ES = {
    "import.file.bad_xlsx_row": (
        "{file}:{row}: el libro .xlsx está dañado en esta fila ({reason}); ábrelo en Excel, "
        "corrige o borra la fila y guárdalo de nuevo"
    ),
    "import.problem.date_out_of_range": "la fecha «{value}» debe estar entre {min} y {max}",
    "error.busy_updating": "Se está actualizando la cartera; intenta en un minuto.",
}

EN = {
    "import.file.bad_xlsx_row": (
        "{file}:{row}: the .xlsx workbook is damaged in this row ({reason}); open it in Excel, "
        "fix or delete the row and save it again"
    ),
    "import.problem.date_out_of_range": "the date '{value}' must lie between {min} and {max}",
    "error.busy_updating": "The portfolio is being updated; try again in a minute.",
}
