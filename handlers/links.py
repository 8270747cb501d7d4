"""Buttons one screen shows for another module: open a follow-up or a tercero, start /nuevo
on a tercero, the cobranza actions of a card, 📍 Llegar…

Each class is handled by the module that owns its prefix (docs/CONVENTIONS.md); it is
declared here so that any screen can link to any other without an import cycle between
handler modules. Buttons a module only shows on its own screens stay in that module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.callbacks import CallbackData

# --- handlers/followups.py (fu) --------------------------------------------------------------


@dataclass(frozen=True)
class OpenFollowup(CallbackData, prefix="fu", action="open"):
    """The follow-up's card as a new message (agenda, pings, tercero card, route…)."""

    followup_id: int


@dataclass(frozen=True)
class FollowupCard(CallbackData, prefix="fu", action="card"):
    """Redraw the follow-up's card on the message pressed (every menu's ⬅ Volver)."""

    followup_id: int


@dataclass(frozen=True)
class CloseMenu(CallbackData, prefix="fu", action="cl"):
    """The closing states of the follow-up, if it is still at ``version`` (a ping's Cerrar)."""

    followup_id: int
    version: int


# --- handlers/letters.py (lt) ----------------------------------------------------------------


@dataclass(frozen=True)
class SupportDocuments(CallbackData, prefix="lt", action="doc"):
    """The support documents (letters) that can be rendered for the follow-up."""

    followup_id: int


# --- handlers/terceros.py (te) ---------------------------------------------------------------


@dataclass(frozen=True)
class OpenTercero(CallbackData, prefix="te", action="open"):
    """The tercero card."""

    tercero_id: int


# --- handlers/reassign.py (rs) ---------------------------------------------------------------


@dataclass(frozen=True)
class ReassignTercero(CallbackData, prefix="rs", action="ter"):
    """The tercero card's Reasignar: the possible new account managers (first page)."""

    tercero_id: int


# --- handlers/new_followup.py (nv) -----------------------------------------------------------


@dataclass(frozen=True)
class NewForTercero(CallbackData, prefix="nv", action="ter"):
    """/nuevo with the tercero already chosen."""

    tercero_id: int


# --- handlers/cartera.py (ca) ----------------------------------------------------------------


@dataclass(frozen=True)
class TerceroCartera(CallbackData, prefix="ca", action="ter"):
    """A page of the tercero's outstanding documents."""

    tercero_id: int
    page: int = 0


@dataclass(frozen=True)
class StartPromise(CallbackData, prefix="ca", action="prom"):
    """The card's Compromiso: asks the amount of a promise to pay."""

    followup_id: int


# --- handlers/contacts.py (ct) and handlers/payments.py (pg) ---------------------------------


@dataclass(frozen=True)
class ContactMenu(CallbackData, prefix="ct", action="m"):
    """📞 Contacto: the Ley 2300 guard's line and the channels to contact through."""

    followup_id: int


@dataclass(frozen=True)
class ReportPayment(CallbackData, prefix="pg", action="a"):
    """🧾 Pago reportado: asks for the receipt's photo."""

    followup_id: int


# --- handlers/route.py (rt) ------------------------------------------------------------------


@dataclass(frozen=True)
class Arrive(CallbackData, prefix="rt", action="go"):
    """📍 Llegar: the tercero's location as a venue the phone's map navigates to."""

    tercero_id: int


# --- buttons of an earlier release ------------------------------------------------------------
# Cards and confirmations already in users' chats keep working after a prefix moved to its own
# module: bot/app.py rewrites their data to today's before any handler sees the press.

_LEGACY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^fu:doc:(\d+)$"), r"lt:doc:\1"),
    (re.compile(r"^fu:letter:(\d+):(\d+)$"), r"lt:pick:\1:\2"),
    (re.compile(r"^te:reasg:(\d+)$"), r"rs:ter:\1"),
    (re.compile(r"^te:reasg:(\d+):(\d+)$"), r"rs:pg:\1:\2"),
    (re.compile(r"^te:reasgto:(\d+):(\d+)$"), r"rs:to:\1:\2"),
    (re.compile(r"^te:reasgok:(\d+):(\d+):([\w.+-]+)$"), r"rs:ok:\1:\2:\3"),
    (re.compile(r"^ad:rsg:(\d+):(\d+):([\w.+-]+)$"), r"rs:book:\1:\2:\3"),
    (re.compile(r"^ad:rsgno$"), "rs:no"),
)


def current_data(data: str) -> str | None:
    """Today's data for a button of an earlier release (``fu:doc:12`` → ``lt:doc:12``), or
    None when ``data`` is not one."""
    for old, new in _LEGACY:
        if old.match(data):
            return old.sub(new, data)
    return None


@dataclass(frozen=True)
class RegisterVisit(CallbackData, prefix="vi", action="go"):
    """The card's 📍 Registrar visita: asks for the location (a second share ends it)."""

    followup_id: int
