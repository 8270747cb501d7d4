"""Phone numbers in plain international form, the same on every card and ping.

Telegram apps recognise a number such as ``+57 300 123 4567`` in a message and make it
tappable themselves; Telegram's HTML formatting documents only http(s) and tg:// links, so a
``tel:`` link is not used.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

COLOMBIA = "57"


def dial(phone: str) -> str:
    """A Colombian number (mobile ``3xx``, landline ``60x``) as ``+57 300 123 4567``;
    anything else as written."""
    written = phone.strip()
    digits = "".join(c for c in written if c.isascii() and c.isdigit())
    if written.startswith("+"):
        if len(digits) == 12 and digits.startswith(COLOMBIA) and digits[2] in "36":
            digits = digits[2:]
        else:
            return written
    elif len(digits) == 12 and digits.startswith(COLOMBIA) and digits[2] in "36":
        digits = digits[2:]
    if len(digits) == 10 and digits[0] in "36":
        return f"+{COLOMBIA} {digits[:3]} {digits[3:6]} {digits[6:]}"
    return written


def phone_list(phones: Iterable[str]) -> str:
    """``+57 300 123 4567 · +57 601 456 7890`` (HTML-escaped, no links)."""
    return " · ".join(html.escape(dial(p)) for p in phones if p.strip())
