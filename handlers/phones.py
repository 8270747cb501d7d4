"""Phone numbers as tap-to-call links, the same on every card and ping.

The link text is the international form (+57 300 123 4567) too, so that a Telegram client
that ignores the ``tel:`` link still recognises the number and offers to call it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable


def dial(phone: str) -> str:
    """A Colombian number in international form; anything else as written."""
    digits = "".join(c for c in phone if c.isascii() and c.isdigit())
    if phone.strip().startswith("+"):
        return phone.strip()
    if len(digits) == 10 and digits[0] in "36":
        return f"+57 {digits[:3]} {digits[3:6]} {digits[6:]}"
    return phone.strip()


def tel_target(phone: str) -> str:
    """The ``tel:`` target: digits (and a leading +) of the international form."""
    return re.sub(r"[^\d+]", "", dial(phone), flags=re.ASCII)


def phone_links(phones: Iterable[str]) -> str:
    """``<a href="tel:+573001234567">+57 300 123 4567</a> · …`` (HTML)."""
    return " · ".join(
        f'<a href="tel:{html.escape(tel_target(p), quote=True)}">{html.escape(dial(p))}</a>'
        for p in phones
    )
