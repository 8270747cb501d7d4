"""docs/CONVENTIONS.md's callback-prefix table matches what the handlers really use."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _code_prefixes() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "handlers").glob("*.py"):
        text = path.read_text()
        found |= set(re.findall(r'^[A-Z_]*PREFIX = "([a-z]+)"', text, re.M))
        found |= set(re.findall(r'\bpack\(\s*"([a-z]+)"', text))
        found |= set(re.findall(r'pattern=r"\^([a-z]+):', text))
        found |= set(re.findall(r'^[A-Z_]*PATTERN = r"\^([a-z]+):', text, re.M))
    return found


def _table_prefixes() -> set[str]:
    text = (ROOT / "docs" / "CONVENTIONS.md").read_text()
    table = text.split("| prefix |", 1)[1].split("\n\n", 1)[0]
    rows = table.splitlines()[2:]
    return {m for row in rows for m in re.findall(r"`([a-z]+)`", row.split("|")[1])}


def test_every_prefix_in_use_is_documented_and_every_documented_one_is_used() -> None:
    code, table = _code_prefixes(), _table_prefixes()
    assert code, "the scan found no prefixes: it is broken"
    assert code - table == set(), f"used but not in docs/CONVENTIONS.md: {sorted(code - table)}"
    assert table - code == set(), f"documented but unused: {sorted(table - code)}"


def test_every_owner_module_exists() -> None:
    text = (ROOT / "docs" / "CONVENTIONS.md").read_text()
    table = text.split("| prefix |", 1)[1].split("\n\n", 1)[0]
    for row in table.splitlines()[2:]:
        for module in re.findall(r"handlers/[a-z_]+\.py", row.split("|")[2]):
            assert (ROOT / module).exists(), module


def test_typed_callback_data_round_trips_and_refuses_forgeries() -> None:
    import pytest

    from handlers.callbacks import BadCallback
    from handlers.new_followup import Cancel, DueInHours, PickType

    assert PickType(7).pack() == "nv:y:7" and PickType.unpack("nv:y:7") == PickType(7)
    assert DueInHours.unpack(DueInHours(24).pack()).hours == 24
    assert Cancel.unpack("nv:x") == Cancel()
    for forged in ("nv:y:abc", "nv:y", "nv:y:1:2", "nv:o:7", "xx:y:7", "nv:y:" + "9" * 70):
        with pytest.raises(BadCallback):
            PickType.unpack(forged)
    with pytest.raises(ValueError):
        PickType(10**70).pack()  # over Telegram's 64 bytes


async def test_every_button_matches_exactly_one_handler(bot) -> None:  # type: ignore[no-untyped-def]
    """No pattern works only because of registration order: each button's data is claimed by
    one CallbackQueryHandler of group 0 (the catch-all for stray buttons aside)."""
    from telegram.ext import CallbackQueryHandler

    from tests.conftest import Team

    handlers = [
        h
        for h in bot.app.handlers[0]
        if isinstance(h, CallbackQueryHandler) and h.pattern is not None
    ]
    samples = [
        "fu:open:1", "lt:doc:1", "lt:pick:1:2", "fu:pp:1:1", "te:open:1", "rs:ter:1:0",
        "rs:pg:1:1", "rs:to:1:2", "rs:ok:1:2:tok", "rs:book:1:2:tok", "rs:no",
        "te:docs:1:0:::", "te:since:1:0:::", "nv:y:1", "nv:x", "ask:x", "ca:prom:1",
        "ca:pd:20261128", "ca:ter:1:0", "ca:okb:tok", "cf:ren:type:1", "cf:pick:open",
        "cf:list:type:0", "ad:aud:all:-:0", "ad:audx:all:0", "ag:v:0:a:::", "ag:mt:a:::",
        "ct:c:1:llamada", "pg:ok:1",
    ]
    update = bot.updates.callback(Team.luis, "x", bot=bot.app.bot)
    for data in samples:
        query = update.callback_query.__class__.de_json(
            {**update.callback_query.to_dict(), "data": data}, bot.app.bot
        )
        probe = update.__class__(update.update_id, callback_query=query)
        matching = [h for h in handlers if h.check_update(probe)]
        assert len(matching) == 1, (data, [h.callback.__qualname__ for h in matching])
