"""Reading a receipt photo on this machine: Tesseract (Debian packages ``tesseract-ocr`` and
``tesseract-ocr-spa``) through pytesseract, off the event loop. Nothing is downloaded at run
time; without the engine, :func:`available` is False and the bot asks for the amount typed.

The bytes come from anyone with the bot: they are checked before anything is decoded (size,
format by magic bytes, dimensions from the header: :func:`open_image`), JPEGs are decoded
already shrunk, one image is decoded at a time and at most :data:`WORKERS` are read by
Tesseract at once, so a PNG "bomb" (a few KB unpacking to gigapixels) or several large images
at once cannot take the memory. What is refused raises :class:`UnreadableImage`."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import struct
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from PIL import ExifTags, Image, ImageFilter, ImageOps

from crm.cobranza.receipts import ReceiptRead, parse_receipt

LANGUAGE = "spa"
# A block of text lines, no orientation detection (receipts come upright, at most tilted).
CONFIG = "--psm 6 --oem 1"
MIN_WIDTH = 1000
MAX_SIDE = 2000
MAX_TALL = 4 * MAX_SIDE  # a narrow image widened to MIN_WIDTH: a long receipt, no longer
TIMEOUT_SECONDS = 20
# One receipt is a small image: Tesseract's OpenMP threads only spin against the bot and the
# other processes for the 2 cores (measured: median 1.03 s -> 0.42 s per receipt on a loaded
# machine, docs/BENCHMARKS.md). An operator's own setting wins.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

# What a receipt may be: a phone photo or screenshot. Telegram compresses photos to ~2560 px;
# a document keeps the original (a 48 MP camera is 8000 x 6000).
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Pillow's own bomb check (a warning above the bound, an error above twice it) for every
# image this process opens; open_image() also refuses above the bound itself.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Decoding holds a whole image (Pillow keeps RGB as 4 bytes a pixel, up to 200 MB at
# MAX_PIXELS): one image at a time, always on the same thread (each thread's malloc arena keeps
# what it freed, so two decoding threads would hold two images' worth). Tesseract, the slow
# part, runs as its own process: WORKERS receipts at once, one per core. The rest wait their
# turn on the pools' queues as their files' bytes (at most MAX_BYTES each).
WORKERS = 2
_DECODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ocr-decode")
_READERS = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="ocr")
# What Pillow raises on bytes it cannot decode (UnidentifiedImageError is an OSError).
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error)


class OcrUnavailable(RuntimeError):
    """Tesseract (or its Spanish data) is not installed on this machine."""


class UnreadableImage(ValueError):
    """Bytes this bot will not decode (too big, not a JPEG/PNG/WebP, too many pixels, broken),
    or an image Tesseract failed on or gave up on after TIMEOUT_SECONDS."""


def sniff(data: bytes) -> str | None:
    """The image format the first bytes announce: JPEG (Telegram's photos), PNG (screenshots
    sent as files) or WEBP; None for anything else (HEIC, PDF, text), never handed to Pillow."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def open_image(data: bytes) -> Image.Image:
    """The image in ``data``, opened lazily: only its header was read, nothing decoded.
    UnreadableImage when the file is over MAX_BYTES, not a JPEG/PNG/WebP by its magic bytes,
    or over MAX_PIXELS by the dimensions its header declares."""
    if len(data) > MAX_BYTES:
        raise UnreadableImage(f"{len(data)} bytes, more than {MAX_BYTES}")
    kind = sniff(data)
    if kind is None:
        raise UnreadableImage(f"not a JPEG, PNG or WebP (starts {data[:12]!r})")
    try:
        image = Image.open(io.BytesIO(data), formats=[kind])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableImage(f"more than {MAX_PIXELS} pixels: {exc}") from exc
    except _DECODE_ERRORS as exc:
        raise UnreadableImage(f"a broken {kind}: {exc}") from exc
    width, height = image.size
    if width < 1 or height < 1 or width * height > MAX_PIXELS:
        image.close()
        raise UnreadableImage(f"{width} x {height} pixels, more than {MAX_PIXELS}")
    return image


def decode(data: bytes) -> Image.Image:
    """The checked image, decoded grey and ready for Tesseract (blocking: a worker thread).
    A JPEG is decoded already scaled down (1/2 to 1/8) when it is larger than needed."""
    with open_image(data) as image:
        image.draft("L", (MAX_SIDE, MAX_SIDE))  # JPEG only; other formats ignore it
        try:
            image.load()
            return prepare(image)
        except _DECODE_ERRORS as exc:
            raise UnreadableImage(f"a broken {image.format}: {exc}") from exc


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
    """Grey, upright (EXIF), big enough for Tesseract's ~30 px capitals, denoised, stretched.
    Grey and resized first, turned last: a large image is copied once, as one byte a pixel."""
    image = image.convert("L")  # keeps the EXIF (info) that exif_transpose reads below
    width, height = image.size
    turned = image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
    upright_width = height if turned else width
    if upright_width < MIN_WIDTH:
        # Never past MAX_TALL on a side: a 2 x 30,000 image would become 1000 x 15,000,000.
        scale = min(MIN_WIDTH / upright_width, MAX_TALL / max(width, height))
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    elif max(width, height) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    image = ImageOps.exif_transpose(image)
    image = image.filter(ImageFilter.MedianFilter(3))
    return ImageOps.autocontrast(image, cutoff=1)


def _check_engine() -> None:
    reason = unavailable_reason()
    if reason is not None:
        raise OcrUnavailable(reason)


def text_of(prepared: Image.Image) -> str:
    """The text Tesseract reads on a prepared image (blocking: a worker thread)."""
    import pytesseract

    try:
        text: str = pytesseract.image_to_string(
            prepared, lang=LANGUAGE, config=CONFIG, timeout=TIMEOUT_SECONDS
        )
    except RuntimeError as exc:  # TesseractError, or "Tesseract process timeout"
        raise UnreadableImage(f"Tesseract: {exc}") from exc
    return text


def image_text(data: bytes) -> str:
    """The text of an image file's bytes (blocking: call it in a worker thread).
    UnreadableImage for bytes :func:`open_image` refuses or Pillow cannot decode."""
    _check_engine()
    return text_of(decode(data))


def read_receipt_sync(data: bytes) -> ReceiptRead:
    return parse_receipt(image_text(data))


async def read_receipt(data: bytes) -> ReceiptRead:
    """Amount, date, reference and bank of a receipt photo, decoded on the one decoding
    thread and read on the OCR pool (WORKERS at once), never on the event loop.
    UnreadableImage for bytes that are not a receipt image."""
    _check_engine()
    loop = asyncio.get_running_loop()
    prepared = await loop.run_in_executor(_DECODER, decode, data)
    return parse_receipt(await loop.run_in_executor(_READERS, text_of, prepared))
