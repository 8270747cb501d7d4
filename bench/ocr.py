"""Receipt OCR on the generated set: how often the amount is read exactly, and seconds per
image (Tesseract through crm.ocr, one image at a time, as the bot reads them).

    python -m bench.ocr [COUNT [SEED]]   # default 60 images; per-layout figures and misses
    python -m bench ocr                  # the same 60, in the results table

Needs the OS packages tesseract-ocr and tesseract-ocr-spa (the images come from
tests/support/receipts.py, generated on the fly with Pillow).
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from bench.common import Result, median, percentile
from crm.cobranza import ocr
from tests.support.receipts import generate

TARGET_EXACT = 0.90
TARGET_SECONDS = 3.0


def measure(count: int = 60, seed: int = 2300) -> dict[str, object]:
    reason = ocr.unavailable_reason()
    if reason is not None:
        raise SystemExit(f"OCR not available: {reason}")
    receipts = generate(count, seed)
    seconds: list[float] = []
    exact: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    misses: list[str] = []
    for receipt in receipts:
        started = time.perf_counter()
        read = ocr.read_receipt_sync(receipt.data)
        seconds.append(time.perf_counter() - started)
        seen[receipt.layout] += 1
        if read.amount == receipt.amount:
            exact[receipt.layout] += 1
        else:
            misses.append(f"{receipt.name}: {read.amount} != {receipt.amount}")
        fields["date"] += read.paid_on == receipt.paid_on
        fields["reference"] += read.reference == receipt.reference
        fields["bank"] += read.bank == receipt.bank
    return {
        "count": count,
        "exact": sum(exact.values()),
        "per_layout": {k: (exact[k], seen[k]) for k in seen},
        "fields": dict(fields),
        "median": median(seconds),
        "p95": percentile(seconds, 95),
        "max": max(seconds),
        "misses": misses,
    }


def run(count: int = 60) -> list[Result]:
    reason = ocr.unavailable_reason()
    if reason is not None:
        return [Result("receipt OCR", "not run", "—", "—", "—", None, [reason])]
    m = measure(count)
    share = int(m["exact"]) / count  # type: ignore[call-overload]
    slowest = float(m["max"])  # type: ignore[arg-type]
    return [
        Result(
            "receipt OCR: amount read exactly",
            f"{m['exact']}/{count} ({share:.0%})",
            "—",
            "—",
            f"≥ {TARGET_EXACT:.0%}",
            share >= TARGET_EXACT,
        ),
        Result(
            "receipt OCR: seconds per image (median / p95 / max)",
            f"{m['median']:.2f} / {m['p95']:.2f} / {slowest:.2f}",
            "—",
            "—",
            f"≤ {TARGET_SECONDS:.0f} s",
            slowest <= TARGET_SECONDS,
        ),
    ]


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 60
    seed = int(argv[1]) if len(argv) > 1 else 2300
    m = measure(count, seed)
    print(f"amount exact: {m['exact']}/{count}")
    print(f"per layout (exact/seen): {m['per_layout']}")
    print(f"other fields read exactly: {m['fields']} of {count}")
    print(f"seconds per image: median {m['median']:.2f}, p95 {m['p95']:.2f}, max {m['max']:.2f}")
    for miss in m["misses"]:  # type: ignore[attr-defined]
        print(f"  miss {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
