"""Callback-data codec: ``prefix:action[:arg...]``, at most 64 bytes, survives restarts.

Every press is decoded here; anything malformed raises :class:`BadCallback`, which the
catch-all handler answers politely. Handlers re-load the record and re-check permission.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import MISSING, dataclass, fields
from datetime import date
from typing import Any, ClassVar, TypeVar

MAX_BYTES = 64
# ``int | None`` fields: an empty part is None ("any"), digits are the id.
CD = TypeVar("CD", bound="CallbackData")
_PART = re.compile(r"^[A-Za-z0-9_.\-+]*$")


class BadCallback(ValueError):
    """Callback data we did not produce or can no longer understand."""


@dataclass(frozen=True)
class Callback:
    prefix: str
    action: str
    args: tuple[str, ...]

    def int_arg(self, index: int) -> int:
        try:
            value = self.args[index]
        except IndexError as exc:
            raise BadCallback("missing argument") from exc
        if not value.isdigit() or len(value) > 18:
            raise BadCallback("non-numeric id")
        return int(value)

    def arg(self, index: int) -> str:
        if index < len(self.args):
            return self.args[index]
        raise BadCallback("missing argument")


def pack(prefix: str, action: str, *args: object) -> str:
    """Encode a button's data; raises if it would not fit Telegram's 64 bytes."""
    parts = [prefix, action, *(str(a) for a in args)]
    for part in parts:
        if not _PART.match(part):
            raise ValueError(f"callback part not allowed: {part!r}")
    data = ":".join(parts)
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def unpack(data: object, prefix: str) -> Callback:
    """Decode data known to start with ``prefix``; reject anything else."""
    if not isinstance(data, str) or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        raise BadCallback("bad data")
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != prefix or not all(_PART.match(p) for p in parts):
        raise BadCallback("bad data")
    return Callback(parts[0], parts[1], tuple(parts[2:]))


def pattern(prefix: str) -> str:
    """The ``CallbackQueryHandler`` pattern for one prefix."""
    return rf"^{re.escape(prefix)}:"


# --- typed callback data ---------------------------------------------------------------------


class CallbackData:
    """A button's data as a small class with named fields, in the spirit of aiogram's
    ``CallbackData``::

        @dataclass(frozen=True)
        class PickType(CallbackData, prefix="nv", action="y"):
            type_id: int

        PickType(3).pack() == "nv:y:3";  PickType.unpack("nv:y:3").type_id == 3

    Fields are ``int`` (digits only), ``int | None`` (empty for None) or ``str``
    (``[A-Za-z0-9_.-+]``, may be empty), in declaration order; trailing fields at their
    default are left out of the data and restored when unpacking. Packing checks
    Telegram's 64 bytes, unpacking rejects anything malformed with
    :class:`BadCallback`; ``pattern()`` matches exactly this action, and :func:`parse` turns
    any data of a prefix into its class. One prefix belongs to one handler module
    (docs/CONVENTIONS.md); buttons one module shows for another are declared in
    handlers/links.py.
    """

    prefix: ClassVar[str]
    action: ClassVar[str]
    REGISTRY: ClassVar[dict[tuple[str, str], type[CallbackData]]] = {}

    def __init_subclass__(cls, *, prefix: str, action: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        key = (prefix, action)
        if key in CallbackData.REGISTRY:
            raise RuntimeError(f"callback {prefix}:{action} defined twice")
        cls.prefix, cls.action = prefix, action
        CallbackData.REGISTRY[key] = cls

    def pack(self) -> str:
        """``prefix:action:field…``; trailing fields left at their default are left out
        (``ca:allb``, not ``ca:allb:0``), which unpacking restores."""
        declared = fields(self)  # type: ignore[arg-type]
        values = [getattr(self, f.name) for f in declared]
        while declared and values[-1] == declared[-1].default:  # MISSING equals no value
            declared, values = declared[:-1], values[:-1]
        return pack(self.prefix, self.action, *("" if v is None else v for v in values))

    @classmethod
    def unpack(cls: type[CD], data: object) -> CD:
        cb = unpack(data, cls.prefix)
        if cb.action != cls.action:
            raise BadCallback("other action")
        return cls._build(cb)

    @classmethod
    def _build(cls: type[CD], cb: Callback) -> CD:
        declared = fields(cls)  # type: ignore[arg-type]
        required = sum(1 for f in declared if f.default is MISSING)
        if not required <= len(cb.args) <= len(declared):
            raise BadCallback("wrong number of fields")
        kinds = _field_kinds(cls)
        values: list[object] = []
        for index in range(len(cb.args)):
            kind = kinds[index]
            if kind == "int?" and not cb.arg(index):
                values.append(None)
            elif kind in ("int", "int?"):
                values.append(cb.int_arg(index))
            else:
                values.append(cb.arg(index))
        return cls(*values)

    @classmethod
    def pattern(cls) -> str:
        return rf"^{re.escape(cls.prefix)}:{re.escape(cls.action)}(:|$)"


def _field_kinds(cls: type[CallbackData]) -> tuple[str, ...]:
    """Each field's kind from its real type (``typing.get_type_hints``, so a module with or
    without ``from __future__ import annotations`` reads the same): "int", "int?" (``int |
    None``) or "str"."""
    if cls in _KINDS:
        return _KINDS[cls]
    hints = typing.get_type_hints(cls)
    kinds = []
    for f in fields(cls):  # type: ignore[arg-type]
        hint = hints[f.name]
        if hint is int:
            kinds.append("int")
        elif typing.get_origin(hint) in (typing.Union, types.UnionType) and set(
            typing.get_args(hint)
        ) == {int, type(None)}:
            kinds.append("int?")
        elif hint is str:
            kinds.append("str")
        else:
            raise TypeError(f"{cls.__name__}.{f.name}: fields are int, int | None or str")
    _KINDS[cls] = tuple(kinds)
    return _KINDS[cls]


_KINDS: dict[type[CallbackData], tuple[str, ...]] = {}


def parse(data: object, prefix: str) -> CallbackData:
    """The typed data of a press on one of ``prefix``'s buttons (whatever its action)."""
    cb = unpack(data, prefix)
    cls = CallbackData.REGISTRY.get((prefix, cb.action))
    if cls is None:
        raise BadCallback("unknown action")
    return cls._build(cb)


def pack_day(value: date | None) -> str:
    """A date inside callback data: ``YYYYMMDD`` (empty for none)."""
    return value.strftime("%Y%m%d") if value else ""


def unpack_day(text: str) -> date | None:
    """``YYYYMMDD`` from callback data (empty: None); BadCallback for anything else."""
    if not text:
        return None
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        raise BadCallback("bad date")
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError as exc:
        raise BadCallback("bad date") from exc


def data_of(value: str | CallbackData) -> str:
    """Callback data as Telegram takes it, from a typed instance or already packed."""
    return value if isinstance(value, str) else value.pack()
