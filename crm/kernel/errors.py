"""Domain errors: each carries a message key the handlers translate for the user."""

from __future__ import annotations

from typing import Any


class CrmError(Exception):
    """A refusal or problem the user can understand; ``key`` names its text in the catalog."""

    key = "error.generic"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or type(self).key
        self.params = params
        super().__init__(self.key, params)


class NotAuthorized(CrmError):
    key = "error.not_authorized"


class NotFound(CrmError):
    key = "error.not_found"


class AlreadyFinished(CrmError):
    """The follow-up is already closed or discarded."""

    key = "error.already_finished"


class StaleVersion(CrmError):
    """The record changed since the button was drawn."""

    key = "error.stale"


class InvalidInput(CrmError):
    key = "error.invalid_input"


class Duplicate(CrmError):
    key = "error.duplicate"


class Busy(CrmError):
    """The database is taken by a long write (an import): try again in a minute."""

    key = "error.busy_updating"
