"""docs/CONVENTIONS.md's callback-prefix table matches what the handlers really declare, and
every button's data is a typed class claimed by exactly one handler of its prefix's module."""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest

from handlers.callbacks import MAX_BYTES, BadCallback, CallbackData, parse

ROOT = Path(__file__).resolve().parents[2]
# The codec itself; every other handler module builds and reads data through typed classes.
CODEC = {"pack", "unpack", "Callback"}


def _table() -> dict[str, list[str]]:
    """prefix → the owner modules its row names."""
    text = (ROOT / "docs" / "CONVENTIONS.md").read_text()
    table = text.split("| prefix |", 1)[1].split("\n\n", 1)[0]
    owners: dict[str, list[str]] = {}
    for row in table.splitlines()[2:]:
        cells = row.split("|")
        for prefix in re.findall(r"`([a-z]+)`", cells[1]):
            owners[prefix] = re.findall(r"handlers/[a-z_/]+\.py", cells[2])
    return owners


def _sample(cls: type[CallbackData]) -> CallbackData:
    values = [1 if "int" in str(f.type) else "a" for f in fields(cls)]  # type: ignore[arg-type]
    return cls(*values)


def test_one_prefix_per_module_all_documented_and_all_in_use(
    bot,  # type: ignore[no-untyped-def]  # the application: every handler module imported
) -> None:
    declared = {prefix for prefix, _ in CallbackData.REGISTRY}
    table = _table()
    assert len(declared) > 10, "the registry is nearly empty: the scan is broken"
    assert declared - set(table) == set(), f"not in docs/CONVENTIONS.md: {declared - set(table)}"
    assert set(table) - declared == set(), f"documented but unused: {set(table) - declared}"
    for prefix, owners in table.items():
        assert len(owners) == 1, f"{prefix}: one prefix, one module ({owners})"
        assert (ROOT / owners[0]).exists(), owners[0]
    modules = [owners[0] for owners in table.values()]
    shared = {m for m in modules if modules.count(m) > 1}
    assert not shared, f"one module, one prefix: {shared}"


async def test_every_typed_button_is_handled_by_exactly_one_handler_of_its_owner(bot) -> None:  # type: ignore[no-untyped-def]
    """No pattern works only because of registration order, and no module answers another's
    prefix: each class's data is claimed by one group-0 CallbackQueryHandler, defined in the
    module the table names for the prefix."""
    from telegram.ext import CallbackQueryHandler

    from tests.conftest import Team

    handlers = [
        h
        for h in bot.app.handlers[0]
        if isinstance(h, CallbackQueryHandler) and h.pattern is not None
    ]
    owners = _table()
    update = bot.updates.callback(Team.luis, "x", bot=bot.app.bot)
    for (prefix, _action), cls in CallbackData.REGISTRY.items():
        data = _sample(cls).pack()
        query = update.callback_query.__class__.de_json(
            {**update.callback_query.to_dict(), "data": data}, bot.app.bot
        )
        probe = update.__class__(update.update_id, callback_query=query)
        matching = [h for h in handlers if h.check_update(probe)]
        assert len(matching) == 1, (data, [h.callback.__qualname__ for h in matching])
        module = matching[0].callback.__module__.replace(".", "/") + ".py"
        assert module == owners[prefix][0], (data, module, owners[prefix])


def test_typed_callback_data_round_trips_and_refuses_forgeries() -> None:
    from handlers.followups.new import Cancel, DueInHours, PickType
    from handlers.links import TerceroCartera

    assert PickType(7).pack() == "nv:y:7" and PickType.unpack("nv:y:7") == PickType(7)
    assert DueInHours.unpack(DueInHours(24).pack()).hours == 24
    assert Cancel.unpack("nv:x") == Cancel()
    assert parse("nv:y:7", "nv") == PickType(7)
    # trailing fields at their default are left out, and restored
    assert TerceroCartera(5).pack() == "ca:ter:5" and TerceroCartera(5, 2).pack() == "ca:ter:5:2"
    assert TerceroCartera.unpack("ca:ter:5") == TerceroCartera.unpack("ca:ter:5:0")
    # ``int | None``: an empty part is None ("any"), and is left out at the end
    from handlers.followups.agenda import AgendaView, TypeMenu

    assert AgendaView(0, "h", None, 4).pack() == "ag:v:0:h::4"
    assert AgendaView.unpack("ag:v:0:h::4:") == AgendaView(0, "h", None, 4, None)
    assert TypeMenu.unpack(TypeMenu("a", 3).pack()).type_id == 3
    for forged in ("ag:v:0:h:x", "ag:v:0:h:-1", "ag:v:0:h:1.5"):
        with pytest.raises(BadCallback):
            AgendaView.unpack(forged)
    for forged in (
        "nv:y:abc",
        "nv:y",
        "nv:y:1:2",
        "nv:o:7",
        "xx:y:7",
        "nv:y:" + "9" * 70,
        "nv:y:-1",
        "nv:y:1 ",
        "nv:y:<b>",
    ):
        with pytest.raises(BadCallback):
            PickType.unpack(forged)
    for forged in ("nv:zz:1", "nv", "", None, 7):
        with pytest.raises(BadCallback):
            parse(forged, "nv")
    with pytest.raises(ValueError):
        PickType(10**70).pack()  # over Telegram's 64 bytes
    assert MAX_BYTES == 64


def test_handler_modules_build_and_read_data_only_through_typed_classes() -> None:
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        if path.name == "callbacks.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "handlers.callbacks":
                used = {alias.name for alias in node.names} & CODEC
                assert not used, f"{path.name} imports {sorted(used)}: declare a CallbackData"
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "callbacks"
            ):
                assert node.attr not in CODEC, f"{path.name} uses callbacks.{node.attr}"
