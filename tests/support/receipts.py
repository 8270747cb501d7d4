"""Synthetic Colombian payment receipts (Pillow): five layouts (Bancolombia, Nequi, Daviplata,
Bre-B, a bank deposit slip), several fonts and sizes, noise, slight rotation and JPEG, each with
the truth it shows. Deterministic for a seed, so tests and bench/ocr.py see the same set."""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype"))
FONT_NAMES = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSansMono.ttf",
)
MONTHS_ES = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
MONTHS_LONG = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


@dataclass(frozen=True)
class Receipt:
    """One generated image and what it shows."""

    name: str
    data: bytes
    layout: str
    amount: Decimal
    paid_on: date
    reference: str
    bank: str


@lru_cache(maxsize=1)
def font_files() -> tuple[Path, ...]:
    found = []
    for name in FONT_NAMES:
        for folder in FONT_DIRS:
            if (folder / name).exists():
                found.append(folder / name)
                break
    return tuple(found)


def _font(rng: random.Random, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    files = font_files()
    if files:
        return ImageFont.truetype(str(rng.choice(files)), size)
    return ImageFont.load_default(size=size)


def _thousands(value: Decimal) -> str:
    return f"{int(value):,}".replace(",", ".")


def money_text(value: Decimal, style: int) -> str:
    """The Colombian ways of writing an amount."""
    whole = _thousands(value)
    cents = f"{int((value % 1) * 100):02d}"
    if cents != "00" and style % 5 in (0, 2):
        style += 1  # a receipt never hides the cents it charged
    return (
        f"$ {whole}",
        f"${whole},{cents}",
        f"COP {whole}",
        f"{whole},{cents} COP",
        f"$ {whole},{cents}",
    )[style % 5]


def _date_text(day: date, style: int) -> str:
    return (
        f"{day:%d/%m/%Y}",
        f"{day.day} de {MONTHS_LONG[day.month - 1]} de {day.year}",
        f"{day.day:02d} {MONTHS_ES[day.month - 1].capitalize()} {day.year}",
        f"{day:%Y-%m-%d}",
    )[style % 4]


Layout = Callable[[random.Random, Decimal, date, str], tuple[str, str, list[str]]]


def _bancolombia(rng: random.Random, amount: Decimal, day: date, ref: str) -> tuple:
    lines = [
        "Bancolombia",
        "¡Transferencia exitosa!",
        f"Comprobante No. {ref}",
        f"{_date_text(day, rng.randrange(4))} - 10:{rng.randrange(10, 59)} a. m.",
        "Valor de la transferencia",
        money_text(amount, rng.randrange(5)),
        f"Producto origen: Ahorros *{rng.randrange(1000, 9999)}",
        "Costo de la transferencia $ 0",
    ]
    return "bancolombia", "Bancolombia", lines


def _nequi(rng: random.Random, amount: Decimal, day: date, ref: str) -> tuple:
    lines = [
        "Nequi",
        "Envío realizado",
        "Para: Ferretería Núñez",
        "¿Cuánto?",
        money_text(amount, rng.randrange(5)),
        f"Fecha: {_date_text(day, rng.randrange(4))}",
        f"Referencia: {ref}",
        f"Disponible: $ {_thousands(Decimal(rng.randrange(10_000, 9_000_000)))}",
    ]
    return "nequi", "Nequi", lines


def _daviplata(rng: random.Random, amount: Decimal, day: date, ref: str) -> tuple:
    lines = [
        "DaviPlata",
        "Pasaste plata",
        f"Valor: {money_text(amount, rng.randrange(5))}",
        f"Fecha {_date_text(day, rng.randrange(4))}",
        f"Número de aprobación {ref}",
        f"Celular destino 300 {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}",
    ]
    return "daviplata", "Daviplata", lines


def _breb(rng: random.Random, amount: Decimal, day: date, ref: str) -> tuple:
    lines = [
        "Bre-B  Transferencia inmediata",
        "Llave: @ferreteria.nunez",
        f"Monto {money_text(amount, rng.randrange(5))}",
        f"Fecha {_date_text(day, rng.randrange(4))} 14:{rng.randrange(10, 59)}",
        f"ID transacción {ref}",
        "Estado: Aprobada",
    ]
    return "breb", "Bre-B", lines


def _slip(rng: random.Random, amount: Decimal, day: date, ref: str) -> tuple:
    bank = rng.choice(("BANCO DE BOGOTÁ", "DAVIVIENDA", "BANCO DE OCCIDENTE", "BBVA"))
    lines = [
        bank,
        "COMPROBANTE DE CONSIGNACIÓN",
        f"Cuenta corriente {rng.randrange(100, 999)}-{rng.randrange(100000, 999999)}",
        f"Fecha: {_date_text(day, rng.randrange(4))}",
        f"Efectivo {money_text(amount, 1)}",
        "Cheques 0",
        f"TOTAL {money_text(amount, rng.randrange(5))}",
        f"Ref. {ref}",
    ]
    return "slip", "Consignación", lines


LAYOUTS: tuple[Layout, ...] = (_bancolombia, _nequi, _daviplata, _breb, _slip)


def _reference(rng: random.Random, layout: int) -> str:
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randrange(6, 11)))
    if layout == 1:
        return "M" + digits[:7]
    if layout == 3:
        return "BRB" + digits
    return digits


def _amount(rng: random.Random) -> Decimal:
    whole = rng.choice(
        (
            rng.randrange(20, 1000) * 1000,
            rng.randrange(1000, 9000) * 1000,
            rng.randrange(10_000, 999_999),
            rng.randrange(1_000_000, 25_000_000),
        )
    )
    cents = rng.choice((0, 0, 0, 50, rng.randrange(1, 99)))
    return Decimal(whole) + Decimal(cents) / 100


def render(lines: list[str], rng: random.Random) -> bytes:
    """Draw ``lines`` on a receipt-like card, then degrade it like a phone photo would."""
    size = rng.randrange(22, 36)
    width = rng.randrange(560, 900)
    line_gap = int(size * rng.uniform(1.5, 2.0))
    height = 80 + line_gap * len(lines) + rng.randrange(20, 120)
    background = rng.randrange(225, 256)
    image = Image.new("L", (width, height), background)
    draw = ImageDraw.Draw(image)
    title_font = _font(rng, int(size * 1.3))
    body_font = _font(rng, size)
    y = 40
    for i, line in enumerate(lines):
        font_size = int(size * 1.3) if i == 0 else size
        font = title_font if i == 0 else body_font
        ink = rng.randrange(0, 70)
        x = rng.randrange(20, 50)
        # Keep long lines on the card: shrink the font rather than cut the text.
        while draw.textlength(line, font=font) > width - x - 10 and font_size > 12:
            font_size -= 2
            font = _font(rng, font_size)
        draw.text((x, y), line, fill=ink, font=font)
        y += line_gap
    # Noise: specks and a little blur, as a camera or a screenshot resize leaves.
    for _ in range(rng.randrange(100, 800)):
        px, py = rng.randrange(width), rng.randrange(height)
        image.putpixel((px, py), rng.randrange(0, 256))
    if rng.random() < 0.5:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.8)))
    angle = rng.uniform(-2.5, 2.5)
    image = image.rotate(
        angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=background
    )
    buffer = io.BytesIO()
    if rng.random() < 0.5:
        image.save(buffer, format="JPEG", quality=rng.randrange(60, 90))
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def generate(count: int = 60, seed: int = 2300) -> list[Receipt]:
    """``count`` receipts cycling through the layouts."""
    rng = random.Random(seed)
    receipts = []
    start = date(2026, 11, 1)
    for i in range(count):
        index = i % len(LAYOUTS)
        amount = _amount(rng)
        day = start + timedelta(days=rng.randrange(0, 60))
        ref = _reference(rng, index)
        layout, bank, lines = LAYOUTS[index](rng, amount, day, ref)
        data = render(lines, rng)
        receipts.append(Receipt(f"{i:03d}-{layout}", data, layout, amount, day, ref, bank))
    return receipts


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def blank_png(width: int, height: int, *, bit_depth: int = 8, rgb: bool = False) -> bytes:
    """A valid all-black PNG of any dimensions, compressed row block by row block: a 40,000 x
    40,000 one-bit image (1.6 gigapixels) is 190 KB and never exists decoded here."""
    bands = 3 if rgb else 1
    row = b"\0" * (1 + (width * bands * bit_depth + 7) // 8)  # filter byte 0, then the pixels
    per_block = max(1, (1 << 20) // len(row))
    block = row * per_block
    packer = zlib.compressobj(9)
    parts = []
    for start in range(0, height, per_block):
        rows = min(per_block, height - start)
        parts.append(packer.compress(block if rows == per_block else row * rows))
    parts.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 2 if rgb else 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


@lru_cache(maxsize=1)
def gigapixel_png() -> bytes:
    """The issue's bomb: 1.6 gigapixels (40,000 x 40,000, one bit a pixel) in 190 KB."""
    return blank_png(40_000, 40_000, bit_depth=1)
