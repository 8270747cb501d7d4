"""Chart pictures: real PNGs of a phone-friendly size, Colombian money on the axis."""

from __future__ import annotations

import io
import struct
from decimal import Decimal

from PIL import Image

from crm.kernel import charts


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (signature, then the IHDR chunk)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def check_png(data: bytes) -> None:
    width, height = png_size(data)
    assert width == 1080 and 380 <= height <= 1800
    assert 3_000 < len(data) < 400_000
    assert data.endswith(b"IEND\xaeB`\x82")


async def test_money_chart_is_a_real_png() -> None:
    chart = charts.BarChart(
        "Cartera por antigüedad",
        ("Corriente", "1–30", "31–60", "61–90", "> 90"),
        (Decimal("1500000.50"), Decimal("250000"), 0, Decimal("3000000"), Decimal("12")),
        money=True,
        subtitle="Total $ 4.750.013",
    )
    data = await charts.render(chart)
    check_png(data)
    image = Image.open(io.BytesIO(data)).convert("RGB")
    bar = tuple(int(charts.BAR_COLOR[i : i + 2], 16) for i in (1, 3, 5))
    colours = dict((c, n) for n, c in image.getcolors(maxcolors=1 << 20) or [])
    assert colours.get(bar, 0) > 20_000  # the bars are drawn, not just the frame


async def test_count_chart_with_many_bars_and_no_data() -> None:
    names = tuple(f"Agente número {n} con un nombre muy largo" for n in range(30))
    check_png(await charts.render(charts.BarChart("Por estado", names, tuple(range(30)))))
    check_png(await charts.render(charts.BarChart("Sin datos", (), ())))


def test_colombian_axis_ticks() -> None:
    assert charts.money_short(0) == "$ 0"
    assert charts.money_short(850_000) == "$ 850 mil"
    assert charts.money_short(1_500_000) == "$ 1,5 M"
    assert charts.money_short(2_000_000) == "$ 2 M"
    assert charts.money_short(2_300_000_000) == "$ 2.300 M"
    assert charts.count_text(12345) == "12.345" and charts.count_text(12345, "en") == "12,345"
