"""The ✅ Confirmar / ✖ Cancelar row of every confirmation that runs once.

The confirm button's data ends with a fresh token drawn for the user the prompt is shown to
(crm.confirmations.issue): the use case claims it in the transaction of its action, so a
double tap or a press on another instance shows the first press's result instead of acting
again, and a press by anyone else is refused.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardMarkup

from crm.kernel import confirmations
from handlers import keyboards
from handlers.callbacks import CallbackData
from handlers.context import CrmContext


async def token(context: CrmContext) -> str:
    """A token for a prompt shown to the user of this update."""
    return await confirmations.issue(context.crm, context.me)


async def markup(
    context: CrmContext,
    confirm: Callable[[str], CallbackData],
    *,
    cancel: str | CallbackData,
) -> InlineKeyboardMarkup:
    """``[✅ Confirmar] [✖ Cancelar]``: ``confirm(token)`` is the confirm button's data with a
    fresh token (e.g. ``lambda token: ReassignOk(tercero_id, user_id, token)``), ``cancel``
    steps back."""
    return InlineKeyboardMarkup(
        [
            keyboards.confirm_row(
                context.t("confirm.b_yes"),
                confirm(await token(context)),
                context.t("confirm.b_no"),
                cancel,
            )
        ]
    )


def repeated_note(context: CrmContext, repeated: bool) -> str:
    """The line above a repeated press's (first) result."""
    return context.t("confirm.already_done") + "\n\n" if repeated else ""
