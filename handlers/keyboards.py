"""Shared keyboard pieces: the pager, back, cancel and confirm buttons, built one way."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton

from handlers.callbacks import CallbackData, data_of

PREV, NEXT = "◀", "▶"
Data = str | CallbackData


def button(label: str, data: Data) -> InlineKeyboardButton:
    """An inline button with typed (or packed) data; labels are cut to what Telegram shows
    well on a phone."""
    return InlineKeyboardButton(label[:64], callback_data=data_of(data))


def pager(
    page: int, pages: int, data_for: Callable[[int], Data], *, counter: bool = False
) -> list[InlineKeyboardButton]:
    """``◀ [page/pages] ▶`` for a 0-based ``page``; empty when everything fits on one page.
    ``data_for(n)`` is the callback data that shows page ``n``; ``counter`` adds the
    page/pages button in the middle (tapping it redraws the current page)."""
    if pages <= 1:
        return []
    row: list[InlineKeyboardButton] = []
    if page > 0:
        row.append(button(PREV, data_for(page - 1)))
    if counter:
        row.append(button(f"{page + 1}/{pages}", data_for(page)))
    if page < pages - 1:
        row.append(button(NEXT, data_for(page + 1)))
    return row


def back(label: str, data: Data) -> InlineKeyboardButton:
    return button(label, data)


def confirm_row(
    yes_label: str, yes_data: Data, no_label: str, no_data: Data
) -> list[InlineKeyboardButton]:
    """``[✅ yes] [✖ no]``: the one shape of every confirmation."""
    return [button(yes_label, yes_data), button(no_label, no_data)]
