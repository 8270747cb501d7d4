"""Phones shown as plain international numbers (Telegram apps make them tappable)."""

from __future__ import annotations

import pytest

from handlers.phones import dial, phone_list


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("3001234567", "+57 300 123 4567"),
        ("300 123 4567", "+57 300 123 4567"),
        ("(601) 456-7890", "+57 601 456 7890"),
        ("+573001234567", "+57 300 123 4567"),
        ("57 300 123 4567", "+57 300 123 4567"),
        ("+57 300 123 4567", "+57 300 123 4567"),
        ("+1 212 555 0100", "+1 212 555 0100"),
        ("ext. 12", "ext. 12"),
    ],
)
def test_colombian_numbers_in_international_form(written: str, shown: str) -> None:
    assert dial(written) == shown


def test_a_list_is_plain_escaped_text_without_links() -> None:
    assert phone_list(["3001234567", " ", "<1>"]) == "+57 300 123 4567 · &lt;1&gt;"
