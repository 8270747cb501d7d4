"""Receipt images are checked before anything is decoded (issue #20, item 5): a file over
ocr.MAX_BYTES, bytes that are no JPEG/PNG/WebP, dimensions over ocr.MAX_PIXELS (a PNG "bomb":
a few KB declaring gigapixels) or a broken image are refused with UnreadableImage; several
large images at once are decoded one after the other, so the process's memory stays bounded."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Callable

import pytest
from PIL import Image

from crm.cobranza import ocr
from tests.support.console import ROOT
from tests.support.receipts import blank_png, generate, gigapixel_png


def cut_png() -> bytes:
    """A real receipt PNG cut in half: its header is fine, its pixels end early."""
    whole = next(r.data for r in generate(6, seed=16) if r.data.startswith(b"\x89PNG"))
    return whole[: len(whole) // 2]


REFUSED: dict[str, Callable[[], bytes]] = {
    "1.6 gigapixels": gigapixel_png,
    "144 megapixels": lambda: blank_png(12_000, 12_000, bit_depth=1),
    "one pixel over 40 MP": lambda: blank_png(8_000, 5_001, bit_depth=1),
    "text": lambda: b"Comprobante: valor $ 450.000, referencia ABC123\n",
    "a PDF": lambda: b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
    "an iPhone's HEIC": lambda: b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64,
    "over 10 MB": lambda: b"\xff\xd8\xff\xe0" + b"\0" * ocr.MAX_BYTES,
    "a cut PNG": cut_png,
    "a JPEG's first bytes only": lambda: b"\xff\xd8\xff\xe0\0\x10JFIF\0",
}


@pytest.mark.parametrize("name", REFUSED)
def test_what_is_no_receipt_image_is_refused(name: str) -> None:
    with pytest.raises(ocr.UnreadableImage):
        ocr.decode(REFUSED[name]())


def test_a_40_megapixel_photo_is_read_and_decoded_small() -> None:
    """The bound admits a 48 MP camera's 8000 x 5000 crop; its JPEG is decoded at half size
    straight to grey, and what Tesseract gets is at most MAX_SIDE on a side."""
    buffer = io.BytesIO()
    Image.new("RGB", (8_000, 5_000), "white").save(buffer, format="JPEG", quality=50)
    with ocr.open_image(buffer.getvalue()) as image:
        assert image.size == (8_000, 5_000)
        image.draft("L", (ocr.MAX_SIDE, ocr.MAX_SIDE))
        assert (image.mode, image.size) == ("L", (4_000, 2_500))
    assert ocr.decode(buffer.getvalue()).size == (ocr.MAX_SIDE, 1_250)


# Images at once through the real read_receipt in a fresh process, whose peak resident memory
# (VmHWM) says what decoding took; its address space is capped at 4 GiB so a regression fails
# with MemoryError instead of taking the machine. Tesseract runs as its own process: stubbed
# here, it would not count anyway.
AT_ONCE = """
import asyncio, resource, sys, types
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
sys.modules["pytesseract"] = types.SimpleNamespace(image_to_string=lambda *a, **k: "")
from crm.cobranza import ocr
from tests.support.receipts import blank_png
ocr.unavailable_reason = lambda: None

def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) // 1024 for l in status if l.startswith("VmHWM:"))

async def main(width, height, rgb, count):
    data = blank_png(width, height, rgb=rgb)
    before = peak_mb()
    got = await asyncio.gather(*(ocr.read_receipt(data) for _ in range(count)),
                               return_exceptions=True)
    print(peak_mb() - before, " ".join(sorted({type(r).__name__ for r in got})))

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "rgb", int(sys.argv[4])))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
@pytest.mark.parametrize(
    ("width", "height", "colour", "count", "outcome"),
    [
        (12_000, 12_000, "grey", 5, "UnreadableImage"),  # the 144 MP bombs: refused
        (5_000, 3_000, "rgb", 5, "ReceiptRead"),  # 15 MP PNGs: read, one decoded at a time
        (2, 30_000, "grey", 1, "ReceiptRead"),  # widened to 1000 px, but not 15,000,000 tall
    ],
    ids=["five 144 MP bombs", "five 15 MP photos", "a 2 x 30000 strip"],
)
def test_images_at_once_take_less_than_300_mb(
    width: int, height: int, colour: str, count: int, outcome: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", AT_ONCE, str(width), str(height), colour, str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    grew, kinds = result.stdout.split(maxsplit=1)
    assert int(grew) < 300, f"{grew} MB more at the peak"
    assert kinds.strip() == outcome
