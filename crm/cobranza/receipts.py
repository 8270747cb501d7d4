"""What a payment receipt says: amount, date, reference and bank, from the text OCR read.

Colombian receipts write money as ``$ 1.250.000``, ``$1.250.000,00``, ``COP 1.250.000`` or
``1.250.000,00 COP`` (dots group thousands, a comma and two digits are cents). The amount is
taken from the line that names it (valor, monto, total, ¿cuánto?, …), never from a line about
fees or balances (costo, comisión, saldo, disponible).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from crm.cobranza.promises import parse_amount
from crm.kernel.errors import InvalidInput

BANKS = ("Bre-B", "Nequi", "Daviplata", "Bancolombia", "Consignación")
MONTHS = {
    "ene": 1,
    "feb": 2,
    "mar": 3,
    "abr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "ago": 8,
    "sep": 9,
    "set": 9,
    "oct": 10,
    "nov": 11,
    "dic": 12,
}
AMOUNT_WORDS = (
    "valor",
    "monto",
    "total",
    "cuanto",
    "importe",
    "pagaste",
    "enviaste",
    "efectivo",
    "transferiste",
)
NOT_AMOUNT_WORDS = ("costo", "comision", "saldo", "disponible", "iva", "cuota de manejo")
REFERENCE_WORDS = (
    "referencia",
    "comprobante",
    "aprobacion",
    "transaccion",
    "autorizacion",
    "ref",
    "id",
)


@dataclass(frozen=True)
class ReceiptRead:
    """What was read; any field may be missing (None)."""

    amount: Decimal | None = None
    paid_on: date | None = None
    reference: str | None = None
    bank: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "amount": str(self.amount) if self.amount is not None else None,
            "paid_on": self.paid_on.isoformat() if self.paid_on else None,
            "reference": self.reference,
            "bank": self.bank,
        }


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# A money figure: thousands grouped by dots (or commas or spaces: OCR swaps "." and "," and
# splits groups, and US-style "1,250,000.00" exists), optionally two-digit cents after the last
# separator; or ungrouped digits with optional ",dd" / ".dd" cents.
_MONEY = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d{2})?|\d{4,9}(?:[.,]\d{2})?)(?![\d])"
)
_CURRENCY_BEFORE = re.compile(r"(\$|cop|s/?)\s*$")
_CURRENCY_AFTER = re.compile(r"^\s*(cop|pesos)")


def parse_money(token: str) -> Decimal | None:
    """``1.250.000,00`` / ``1 250 000`` / ``1,250,000.00`` / ``21.583,041,00`` / ``1250000``
    -> Decimal: two digits after the last separator are cents, every other separator groups."""
    token = token.strip()
    cents = ""
    match = re.fullmatch(r"(.*\d)[.,](\d{2})", token)
    if match is not None:
        token, cents = match.group(1), match.group(2)
    digits = re.sub(r"[.,\s]", "", token)
    if not digits.isdigit():
        return None
    try:
        return Decimal(digits + ("." + cents if cents else ""))
    except InvalidOperation:
        return None


def _amounts(line: str) -> list[tuple[Decimal, bool]]:
    """Money figures of a line, each with whether a currency sign stands by it."""
    plain = _plain(line)
    found = []
    for match in _MONEY.finditer(plain):
        value = parse_money(match.group(1))
        if value is None or value <= 0:
            continue
        marked = bool(
            _CURRENCY_BEFORE.search(plain[: match.start()])
            or _CURRENCY_AFTER.match(plain[match.end() :])
        )
        found.append((value, marked))
    return found


def find_amount(lines: list[str]) -> Decimal | None:
    """The paid amount: on (or right under) a line that names it, else the largest figure
    with a currency sign on a line that is not about fees or balances."""
    plain = [_plain(line) for line in lines]
    for i, text in enumerate(plain):
        if not any(w in text for w in AMOUNT_WORDS) or any(w in text for w in NOT_AMOUNT_WORDS):
            continue
        for j in (i, i + 1):
            if j >= len(lines):
                break
            if j != i and any(w in plain[j] for w in NOT_AMOUNT_WORDS):
                break
            candidates = [v for v, marked in _amounts(lines[j]) if marked or j == i]
            candidates = [v for v in candidates if v >= 100]
            if candidates:
                return max(candidates).quantize(Decimal("0.01"))
    marked = [
        v
        for text, line in zip(plain, lines, strict=True)
        if not any(w in text for w in NOT_AMOUNT_WORDS)
        for v, has_sign in _amounts(line)
        if has_sign and v >= 100
    ]
    return max(marked).quantize(Decimal("0.01")) if marked else None


_DATE_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[/\-.](\d{1,2})[/\-.](\d{4})(?!\d)")
_DATE_ISO = re.compile(r"(?<!\d)(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})(?!\d)")
_DATE_WORDS = re.compile(
    r"(?<!\d)(\d{1,2})\s*(?:de\s+)?([a-z]{3})[a-z]*\.?\s*(?:de\s+|,\s*)?(\d{4})"
)
_DATE_MONTH_FIRST = re.compile(r"\b([a-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})")


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d) if 2000 <= y <= 2099 else None
    except ValueError:
        return None


def find_date(lines: list[str]) -> date | None:
    """The first date in the text: ``01/12/2026`` (day first), ``2026-12-01``,
    ``1 de diciembre de 2026``, ``01 dic 2026``, ``dic 01, 2026``."""
    for line in lines:
        text = _plain(line)
        for regex, order in (
            (_DATE_ISO, "ymd"),
            (_DATE_NUMERIC, "dmy"),
            (_DATE_WORDS, "dMy"),
            (_DATE_MONTH_FIRST, "Mdy"),
        ):
            match = regex.search(text)
            if match is None:
                continue
            parts = dict(zip(order, match.groups(), strict=True))
            month = MONTHS.get(parts["M"]) if "M" in parts else int(parts["m"])
            if month is None:
                continue
            found = _safe_date(int(parts["y"]), month, int(parts["d"]))
            if found is not None:
                return found
    return None


_REFERENCE = re.compile(r"([A-Z0-9][A-Z0-9\-]{3,29})")


def find_reference(lines: list[str]) -> str | None:
    """The value after "Referencia", "Comprobante No.", "Número de aprobación", …"""
    for i, line in enumerate(lines):
        text = _plain(line)
        for word in REFERENCE_WORDS:
            match = re.search(rf"\b{word}\b[^:]*?(?:no\.?|n[°º]|numero|#)?\s*[:.]?\s*", text)
            if match is None:
                continue
            rest = line[match.end() :].upper()
            value = _REFERENCE.search(rest)
            if value is None and i + 1 < len(lines):
                value = _REFERENCE.search(lines[i + 1].upper())
            if value is not None and any(c.isdigit() for c in value.group(1)):
                return value.group(1).strip("-")
    return None


def find_bank(lines: list[str]) -> str | None:
    text = _plain(" ".join(lines))
    if re.search(r"bre[\s\-]?b\b", text):
        return "Bre-B"
    if "nequi" in text:
        return "Nequi"
    if "daviplata" in text or "davi plata" in text:
        return "Daviplata"
    if "bancolombia" in text:
        return "Bancolombia"
    if "consignacion" in text or "deposito" in text:
        return "Consignación"
    return None


def parse_receipt(text: str) -> ReceiptRead:
    """Everything a receipt's OCR text tells."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return ReceiptRead(
        amount=find_amount(lines),
        paid_on=find_date(lines),
        reference=find_reference(lines),
        bank=find_bank(lines),
    )


_REF_TYPED = re.compile(r"\b(?:ref(?:erencia)?\.?|#)\s*:?\s*([A-Za-z0-9\-]{3,60})", re.I)


def parse_correction(text: str, base: ReceiptRead | None = None) -> ReceiptRead:
    """A typed correction: ``1.250.000 01/12/2026 ref 123456`` (amount first; date and
    reference optional). Fields not typed keep what OCR read. ValueError without an amount."""

    base = base or ReceiptRead()
    rest = text.strip()
    reference = base.reference
    ref = _REF_TYPED.search(rest)
    if ref is not None:
        reference = ref.group(1)
        rest = (rest[: ref.start()] + " " + rest[ref.end() :]).strip()
    paid_on = find_date([rest])
    if paid_on is not None:
        for regex in (_DATE_ISO, _DATE_NUMERIC):
            rest = regex.sub(" ", _plain(rest))
    else:
        paid_on = base.paid_on
    tokens = rest.split()
    amount = None
    # The amount may be typed with spaces after "$" ("$ 1.250.000"): try growing prefixes.
    for size in range(min(len(tokens), 3), 0, -1):
        try:
            amount = parse_amount(" ".join(tokens[:size]))
            break
        except InvalidInput:
            continue
    if amount is None:
        raise ValueError(text)
    return ReceiptRead(amount, paid_on, reference, base.bank)
