"""Callback-data codec: ``prefix:action[:arg...]``, at most 64 bytes, survives restarts.

Every press is decoded here; anything malformed raises :class:`BadCallback`, which the
catch-all handler answers politely. Handlers re-load the record and re-check permission.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64
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

    def arg(self, index: int, default: str | None = None) -> str:
        if index < len(self.args):
            return self.args[index]
        if default is None:
            raise BadCallback("missing argument")
        return default


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
