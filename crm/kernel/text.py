"""Text normalisation shared by search and import: case- and accent-insensitive matching,
and :func:`xml_safe`, the one gate every stored text passes (imported cells, typed text)."""

from __future__ import annotations

import re
import unicodedata

# What XML 1.0 (so .xlsx) cannot carry: C0 controls except tab, LF and CR; U+FFFE, U+FFFF;
# and surrogates, which in a Python str are always lone (pairs decode to one character).
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML forbids (see ``XML_FORBIDDEN``); everything
    else, line breaks and tabs included, is kept as it was."""
    if XML_FORBIDDEN.search(text) is None:  # the common case: no copy
        return text
    return XML_FORBIDDEN.sub("", text)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize_text(text: str) -> str:
    """Lower-case, accent-free, single-spaced: "Nuñez  & CÍA" -> "nunez & cia"."""
    return re.sub(r"\s+", " ", strip_accents(text).lower()).strip()


def nit_base(nit: str) -> str:
    """The NIT without its ``-DV`` check digit and separators; leading zeros kept."""
    nit = nit.strip()
    if "-" in nit:
        nit = nit.rsplit("-", 1)[0]
    return re.sub(r"[^0-9A-Za-z]", "", nit)
