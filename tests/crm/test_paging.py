"""The one pager rule every list uses (terceros, cartera, audit, agenda, users, /config,
/reasignar, /ruta)."""

from __future__ import annotations

from crm.kernel import paging


def test_an_empty_list_has_one_page_and_a_full_last_page_no_extra_one() -> None:
    assert paging.page_count(0, 8) == 1
    assert paging.page_count(8, 8) == 1
    assert paging.page_count(9, 8) == 2


def test_a_button_from_a_longer_list_or_a_forged_page_stays_within_the_list() -> None:
    assert paging.window(20, 8, 5) == (2, 3)  # the list shrank: its last page
    assert paging.window(20, 8, -4) == (0, 3)  # forged: the first page
    assert paging.window(20, 8, 1) == (1, 3)
