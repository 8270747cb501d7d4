"""The ✅ Confirmar / ✖ Cancelar row of every confirmation that runs once.

The confirm button's data ends with a fresh token (crm.confirmations): the use case claims it
in the transaction of its action, so a double tap or a press on another instance shows the
first press's result instead of acting again.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from crm import confirmations
from handlers import keyboards
from handlers.callbacks import pack
from handlers.context import CrmContext


def token() -> str:
    return confirmations.new_token()


def confirm_markup(
    context: CrmContext,
    prefix: str,
    action: str,
    *args: object,
    cancel: str,
    tail: tuple[object, ...] = (),
) -> InlineKeyboardMarkup:
    """``prefix:action:*args:TOKEN[:*tail]`` to confirm (``tail``: optional arguments that
    go after the token), ``cancel`` (callback data) to step back."""
    data = pack(prefix, action, *args, token(), *tail)
    return InlineKeyboardMarkup(
        [
            keyboards.confirm_row(
                context.t("confirm.b_yes"), data, context.t("confirm.b_no"), cancel
            )
        ]
    )


def repeated_note(context: CrmContext, repeated: bool) -> str:
    """The line above a repeated press's (first) result."""
    return context.t("confirm.already_done") + "\n\n" if repeated else ""
