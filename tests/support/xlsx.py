"""Reading a produced workbook the strict way: every XML part must parse, and the print
setup, chart axes and styles are read from the parts themselves (openpyxl hides some)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CHART = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"


@dataclass
class Parts:
    sheets: dict[str, ET.Element] = field(default_factory=dict)  # part name -> root
    charts: dict[str, ET.Element] = field(default_factory=dict)
    workbook: ET.Element | None = None
    styles: ET.Element | None = None


def parse_parts(path: Path) -> Parts:
    """Parse every XML part of the file (a malformed one raises ParseError)."""
    parts = Parts()
    with zipfile.ZipFile(path) as zf:
        assert zf.testzip() is None
        for name in zf.namelist():
            if not (name.endswith(".xml") or name.endswith(".rels")):
                continue
            root = ET.fromstring(zf.read(name))
            if name.startswith("xl/worksheets/sheet"):
                parts.sheets[name] = root
            elif name.startswith("xl/charts/chart"):
                parts.charts[name] = root
            elif name == "xl/workbook.xml":
                parts.workbook = root
            elif name == "xl/styles.xml":
                parts.styles = root
    return parts


def print_titles(parts: Parts) -> list[str]:
    assert parts.workbook is not None
    return [
        d.text or ""
        for d in parts.workbook.iter(f"{MAIN}definedName")
        if d.get("name") == "_xlnm.Print_Titles"
    ]


def page_setup(sheet: ET.Element) -> dict[str, str]:
    setup = sheet.find(f"{MAIN}pageSetup")
    fit = sheet.find(f"{MAIN}sheetPr/{MAIN}pageSetUpPr")
    footer = sheet.find(f"{MAIN}headerFooter/{MAIN}oddFooter")
    return {
        **(setup.attrib if setup is not None else {}),
        "fitToPage": fit.get("fitToPage", "") if fit is not None else "",
        "footer": footer.text or "" if footer is not None else "",
    }


def value_axis_minimums(chart: ET.Element) -> list[str | None]:
    """The ``min`` of each value axis (None when the axis starts wherever the app likes)."""
    found = []
    for axis in chart.iter(f"{CHART}valAx"):
        minimum = axis.find(f"{CHART}scaling/{CHART}min")
        deleted = axis.find(f"{CHART}delete")
        assert deleted is None or deleted.get("val") in ("0", "false"), "axis hidden"
        found.append(minimum.get("val") if minimum is not None else None)
    return found


def fonts(parts: Parts) -> set[str]:
    assert parts.styles is not None
    return {
        name.get("val", "")
        for font in parts.styles.iter(f"{MAIN}font")
        for name in font.iter(f"{MAIN}name")
    }
