"""Reading a receipt photo on this machine: Tesseract (Debian packages ``tesseract-ocr`` and
``tesseract-ocr-spa``) through pytesseract, off the event loop. Nothing is downloaded at run
time; without the engine, :func:`available` is False and the bot asks for the amount typed."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
from functools import lru_cache

from PIL import Image, ImageFilter, ImageOps

from crm.receipts import ReceiptRead, parse_receipt

LANGUAGE = "spa"
# A block of text lines, no orientation detection (receipts come upright, at most tilted).
CONFIG = "--psm 6 --oem 1"
MIN_WIDTH = 1000
MAX_SIDE = 2000
TIMEOUT_SECONDS = 20
# One receipt is a small image: Tesseract's OpenMP threads only spin against the bot and the
# other processes for the 2 cores (measured: median 1.03 s -> 0.42 s per receipt on a loaded
# machine, docs/BENCHMARKS.md). An operator's own setting wins.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


class OcrUnavailable(RuntimeError):
    """Tesseract (or its Spanish data) is not installed on this machine."""


@lru_cache(maxsize=1)
def unavailable_reason() -> str | None:
    """Why OCR cannot run here, or None when it can."""
    try:
        import pytesseract
    except ImportError:
        return "pytesseract is not installed"
    if shutil.which("tesseract") is None:
        return "the tesseract program is not installed (apt: tesseract-ocr)"
    try:
        languages = pytesseract.get_languages(config="")
    except Exception as exc:  # any failure of the program means no OCR
        return f"tesseract does not run: {exc}"
    if LANGUAGE not in languages:
        return "Tesseract's Spanish data is not installed (apt: tesseract-ocr-spa)"
    return None


def available() -> bool:
    return unavailable_reason() is None


def prepare(image: Image.Image) -> Image.Image:
    """Grey, upright (EXIF), big enough for Tesseract's ~30 px capitals, denoised, stretched."""
    image = ImageOps.exif_transpose(image).convert("L")
    width, height = image.size
    if width < MIN_WIDTH:
        scale = MIN_WIDTH / width
        image = image.resize((MIN_WIDTH, round(height * scale)), Image.Resampling.LANCZOS)
    elif max(width, height) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image = image.filter(ImageFilter.MedianFilter(3))
    return ImageOps.autocontrast(image, cutoff=1)


def image_text(data: bytes) -> str:
    """The text of an image file's bytes (blocking: call it in a worker thread)."""
    reason = unavailable_reason()
    if reason is not None:
        raise OcrUnavailable(reason)
    import pytesseract

    with Image.open(io.BytesIO(data)) as image:
        prepared = prepare(image)
    text: str = pytesseract.image_to_string(
        prepared, lang=LANGUAGE, config=CONFIG, timeout=TIMEOUT_SECONDS
    )
    return text


def read_receipt_sync(data: bytes) -> ReceiptRead:
    return parse_receipt(image_text(data))


async def read_receipt(data: bytes) -> ReceiptRead:
    """Amount, date, reference and bank of a receipt photo, read in a worker thread."""
    return await asyncio.to_thread(read_receipt_sync, data)
