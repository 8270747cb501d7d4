"""Chart pictures for the chat: bar charts as PNG, drawn by matplotlib's Agg backend.

Drawing takes tens of milliseconds of CPU, so callers render with :func:`render` (in a
worker thread, never on the event loop). Labels are in the user's language and amounts in
Colombian money format (``$ 1.234.567``; axis ticks ``$ 1,5 M``). A picture is sized for a
phone: 1080 px wide, large type, horizontal bars so long names stay readable.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from crm.kernel.formatting import money

WIDTH_IN, DPI = 9.0, 120  # 1080 px wide
MAX_BARS = 12
BAR_COLOR = "#1f6fb2"


@dataclass(frozen=True)
class BarChart:
    """What to draw: a title, one bar per label, and whether the values are pesos."""

    title: str
    labels: tuple[str, ...]
    values: tuple[Decimal | int | float, ...]
    money: bool = False
    subtitle: str = ""


def count_text(value: float, lang: str = "es") -> str:
    text = f"{round(value):,}"
    return text.replace(",", ".") if lang == "es" else text


def money_short(value: float) -> str:
    """An axis tick in Colombian style: ``$ 0``, ``$ 850 mil``, ``$ 1,5 M``, ``$ 2.300 M``."""
    if abs(value) >= 1_000_000:
        millions = value / 1_000_000
        text = f"{millions:,.1f}" if millions < 10 else f"{millions:,.0f}"
        text = text.replace(",", "#").replace(".", ",").replace("#", ".")
        return f"$ {text.removesuffix(',0')} M"
    if abs(value) >= 1_000:
        return f"$ {value / 1000:,.0f} mil".replace(",", ".")
    return f"$ {value:,.0f}".replace(",", ".")


def bar_png(chart: BarChart, lang: str = "es") -> bytes:
    """The chart as PNG bytes (runs in a worker thread: no pyplot, no global state)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    # "$ 1.234" twice in one text would otherwise be read as TeX math.
    with matplotlib.rc_context({"text.parse_math": False}):
        return _draw(chart, lang, Figure, FuncFormatter)


def _draw(chart: BarChart, lang: str, Figure: Any, FuncFormatter: Any) -> bytes:
    labels = list(chart.labels[:MAX_BARS])
    values = [float(v) for v in chart.values[:MAX_BARS]]
    height = max(3.2, 1.4 + 0.55 * len(labels))
    figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
    axes = figure.subplots()
    positions = list(range(len(labels)))[::-1]  # the first label on top
    bars = axes.barh(positions, values, color=BAR_COLOR, height=0.6)
    axes.set_yticks(positions, [label[:28] for label in labels], fontsize=13)
    texts = [money(Decimal(str(v))) if chart.money else count_text(v, lang) for v in values]
    axes.bar_label(bars, texts, padding=4, fontsize=12)
    top = max(values, default=0.0)
    axes.set_xlim(0, top * 1.3 if top > 0 else 1)
    if chart.money:
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: money_short(x)))
    else:
        axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: count_text(x, lang)))
    axes.tick_params(axis="x", labelsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(chart.title, fontsize=16, loc="left", pad=12)
    if chart.subtitle:
        axes.set_title(chart.subtitle, fontsize=11, loc="right", pad=14, color="#444444")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


async def render(chart: BarChart, lang: str = "es") -> bytes:
    """:func:`bar_png` off the event loop."""
    return await asyncio.to_thread(bar_png, chart, lang)
