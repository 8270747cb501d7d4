"""The one pager rule: how many pages a list has, and which page a press may show."""

from __future__ import annotations


def page_count(total: int, size: int) -> int:
    """Pages for ``total`` items, ``size`` a page; an empty list still has one (empty) page."""
    return max(1, -(-total // size))


def clamp(page: int, pages: int) -> int:
    """The page a button may ask for, kept within 0 … pages - 1 (a list that shrank since the
    button was drawn shows its last page; a forged negative page shows the first)."""
    return min(max(page, 0), pages - 1)


def window(total: int, size: int, page: int) -> tuple[int, int]:
    """``(page, pages)``: the page to show, clamped, and how many there are."""
    pages = page_count(total, size)
    return clamp(page, pages), pages
