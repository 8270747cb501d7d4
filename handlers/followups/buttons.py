"""The follow-up card's buttons (prefix ``fu``): one typed class per action; mutating
buttons carry the follow-up's version."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.callbacks import CallbackData

PREFIX = "fu"
# What a press returns: END when it finished what the card's prompt asked (the prompt's own
# question, if pressed there, is over); KEEP for read-only presses (open, menus, history),
# which leave any pending question alone: browsing another card must not throw it away.
END = "end"
KEEP = None


# --- the buttons' data -----------------------------------------------------------------------
# fu:open, fu:card and fu:cl are in handlers/links.py (other screens show them too). Buttons
# that change the follow-up carry the ``version`` the card showed: a press on an old card is
# refused (StaleVersion) and the card redrawn as it is now.


@dataclass(frozen=True)
class PostponeMenu(CallbackData, prefix=PREFIX, action="pp"):
    """⏰ Posponer: the +N h choices."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class PostponeHours(CallbackData, prefix=PREFIX, action="ph"):
    followup_id: int
    version: int
    hours: int


@dataclass(frozen=True)
class PostponeOther(CallbackData, prefix=PREFIX, action="po"):
    """Asks for a typed number of hours."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class CloseWithState(CallbackData, prefix=PREFIX, action="cs"):
    """A closing state was picked: asks for the optional note."""

    followup_id: int
    version: int
    state_id: int


@dataclass(frozen=True)
class CloseNoNote(CallbackData, prefix=PREFIX, action="cn"):
    followup_id: int
    version: int
    state_id: int


@dataclass(frozen=True)
class StateMenu(CallbackData, prefix=PREFIX, action="st"):
    """The open-meaning states to move to without closing."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class SetState(CallbackData, prefix=PREFIX, action="ss"):
    followup_id: int
    version: int
    state_id: int


@dataclass(frozen=True)
class ContinueMenu(CallbackData, prefix=PREFIX, action="co"):
    """A closed follow-up's Continuar: when the continuation is due."""

    followup_id: int


@dataclass(frozen=True)
class ContinueInHours(CallbackData, prefix=PREFIX, action="cg"):
    followup_id: int
    hours: int


@dataclass(frozen=True)
class ContinueTomorrow(CallbackData, prefix=PREFIX, action="cm"):
    followup_id: int


@dataclass(frozen=True)
class ContinueOtherDate(CallbackData, prefix=PREFIX, action="ct"):
    """Asks for a typed due date of the continuation."""

    followup_id: int


@dataclass(frozen=True)
class DiscardMenu(CallbackData, prefix=PREFIX, action="ds"):
    followup_id: int
    version: int


@dataclass(frozen=True)
class DiscardWithState(CallbackData, prefix=PREFIX, action="dx"):
    followup_id: int
    version: int
    state_id: int


@dataclass(frozen=True)
class DiscardWriteReason(CallbackData, prefix=PREFIX, action="dr"):
    """Asks for a typed discard reason."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class ActivityMenu(CallbackData, prefix=PREFIX, action="ac"):
    followup_id: int
    version: int


@dataclass(frozen=True)
class PickActivity(CallbackData, prefix=PREFIX, action="aa"):
    """An activity was picked: it is recorded (a contact through the Ley 2300 guard), then
    the optional note is asked for."""

    followup_id: int
    version: int
    activity_id: int


@dataclass(frozen=True)
class ActivityNoNote(CallbackData, prefix=PREFIX, action="an"):
    """«Sin nota» under a recorded activity (``event_id``); without it (a button drawn
    before activities were recorded at the pick) it records the activity."""

    followup_id: int
    version: int
    activity_id: int
    event_id: int | None = None


@dataclass(frozen=True)
class AskObservation(CallbackData, prefix=PREFIX, action="ob"):
    followup_id: int
    version: int


@dataclass(frozen=True)
class AskAttachment(CallbackData, prefix=PREFIX, action="at"):
    followup_id: int
    version: int


@dataclass(frozen=True)
class History(CallbackData, prefix=PREFIX, action="hi"):
    """A page (0-based) of the whole lineage's history."""

    followup_id: int
    page: int


@dataclass(frozen=True)
class ResendAttachment(CallbackData, prefix=PREFIX, action="rs"):
    """A history line's attachment, sent again."""

    event_id: int
