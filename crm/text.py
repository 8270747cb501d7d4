"""Text normalisation shared by search and import: case- and accent-insensitive matching."""

from __future__ import annotations

import re
import unicodedata


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
