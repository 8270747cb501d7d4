"""Application factory: wires settings, the use-case environment and every handler."""

from __future__ import annotations

import asyncio
import functools
import warnings
from datetime import timedelta
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest
from telegram.warnings import PTBUserWarning

from bot import backupjob, dropjob, polling, scheduler, startline, webhook
from bot.budget import make_budget
from bot.jobs import INSTANCE_ID, schedule_report_jobs
from bot.persistence import DatabasePersistence, write_through
from bot.ratelimit import PerChatRateLimiter
from bot.settings import Settings
from bot.updates import PerUserUpdateProcessor
from crm.kernel.clock import Clock, SystemClock
from crm.kernel.context import Crm
from crm.kernel.workhours import WorkingHours
from handlers import asking, links, reports, start, terceros
from handlers.admin import audit, config, invitations, reassign
from handlers.admin import users as users_admin
from handlers.cobranza import cartera, contacts, payments
from handlers.context import SETTINGS, CrmContext, HandlerSettings
from handlers.errors import on_error
from handlers.followups import agenda, letters
from handlers.followups import card as followups
from handlers.followups import new as new_followup
from handlers.followups import pings as notifications
from handlers.gate import admit_on_arrival, gate_handler
from handlers.route import day as route
from handlers.route import visits
from handlers.texts import LANGUAGES, t
from storage import botstate
from storage.db import make_engine, make_session_factory
from storage.updates import claim_update

USER_LEASE = "lease:user"
MENU = (
    "start",
    "ayuda",
    "agenda",
    "nuevo",
    "tercero",
    "cartera",
    "informe",
    "ruta",
    "cerca",
    "cancelar",
)


# Our conversations mix button and text steps on purpose (per_message=False): the warning PTB
# prints for that at start-up is expected, not a problem to fix.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)


def make_crm(settings: Settings, clock: Clock | None = None) -> Crm:
    """The use-case environment over a new engine for ``settings.database_url``."""
    engine = make_engine(settings.database_url)
    return Crm(
        sessions=make_session_factory(engine),
        tz=settings.tz,
        clock=clock or SystemClock(),
        admin_ids=frozenset(settings.admin_ids),
        working_hours=WorkingHours(*settings.working_window, settings.working_weekdays),
        ley_2300=settings.ley_2300,
        payment_confirm_days=settings.payment_confirm_days,
    )


def _with_current_buttons(update: object, bot: Any) -> object:
    """A press on a button of an earlier release (handlers/links.py ``current_data``) as if
    it carried today's data; any other update as it is."""
    if not isinstance(update, Update) or update.callback_query is None:
        return update
    data = update.callback_query.data
    current = links.current_data(data) if isinstance(data, str) else None
    if current is None:
        return update
    payload = update.to_dict()
    payload["callback_query"]["data"] = current
    return Update.de_json(payload, bot)


class CrmApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application, made safe to run as several instances behind one webhook."""

    multi_instance = False
    # One user's updates run one at a time across instances too: the reply to an update goes
    # out before its conversation state is written, so the user's next tap, answered by
    # another instance, must wait for that write. A crashed holder's lease simply expires.
    user_lease = timedelta(seconds=60)
    lease_poll = 0.05

    async def process_update(self, update: object) -> None:
        update = _with_current_buttons(update, self.bot)
        if not (self.multi_instance and isinstance(update, Update)):
            await super().process_update(update)
            return
        crm: Crm = self.bot_data["crm"]
        # Telegram re-delivers an update that was not acknowledged in time, possibly to
        # another instance: whoever claims the id first handles it.
        if not await claim_update(crm.sessions, update.update_id, crm.now()):
            return
        user = update.effective_user
        holder = f"{INSTANCE_ID}:{update.update_id}"
        if user is not None:
            await self._wait_for_user(crm, str(user.id), holder)
        try:
            await super().process_update(update)
            # Write the user's data (their pending question too) through at once, for the
            # next instance to read.
            await write_through(self, update)
        finally:
            if user is not None:
                await botstate.drop_lease(crm.sessions, USER_LEASE, str(user.id), holder)

    async def _wait_for_user(self, crm: Crm, user_key: str, holder: str) -> None:
        """Take the user's lease, waiting while another instance handles their last update
        (at most one lease long: past that the other holder is presumed dead)."""
        deadline = asyncio.get_running_loop().time() + self.user_lease.total_seconds()
        while True:
            now = crm.now()
            taken = await botstate.take_lease(
                crm.sessions, USER_LEASE, user_key, holder, now, now + self.user_lease
            )
            if taken or asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(self.lease_poll)


def build_application(
    settings: Settings,
    crm: Crm,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    token: str | None = None,
    multi_instance: bool = False,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the PTB application; ``request`` lets tests record Bot API calls offline."""
    bot_token = token or (settings.bot_token.get_secret_value() if settings.bot_token else None)
    if not bot_token:
        raise ValueError("CRM_BOT_TOKEN is required")
    processor = PerUserUpdateProcessor()
    builder = (
        ApplicationBuilder()
        .application_class(CrmApplication)
        .token(bot_token)
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_file_url)
        .context_types(ContextTypes(context=CrmContext))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(processor)
        .persistence(DatabasePersistence(crm.sessions))
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        # ~30 msg/s overall (AIORateLimiter) and 1 msg/s per chat (the subclass).
        limiter = PerChatRateLimiter(max_retries=3)
        if multi_instance or settings.redis_url:
            # Several instances: Telegram's caps are shared (Redis, else PostgreSQL).
            limiter.budget = make_budget(settings.redis_url, settings.database_url, crm.sessions)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    app = builder.build()
    assert isinstance(app, CrmApplication)
    # Updates are counted by the flood guard as they arrive, not when their turn comes.
    processor.on_arrival = functools.partial(admit_on_arrival, app)
    app.multi_instance = multi_instance
    if isinstance(app.persistence, DatabasePersistence):
        app.persistence.shared = multi_instance
    app.bot_data["settings"] = settings
    app.bot_data[SETTINGS] = HandlerSettings(
        language=settings.language,
        route_speed_kmh=settings.route_speed_kmh,
        visit_radius_m=settings.visit_radius_m,
    )
    app.bot_data["crm"] = crm
    register_handlers(app)
    return app


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(gate_handler(), group=-2)
    asking.register(app)
    start.register(app)
    notifications.register(app)
    invitations.register(app)
    users_admin.register(app)
    config.register(app)
    letters.register(app)
    reassign.register(app)
    audit.register(app)
    new_followup.register(app)
    followups.register(app)
    agenda.register(app)
    terceros.register(app)
    cartera.register(app)
    reports.register(app)
    route.register(app)
    visits.register(app)
    contacts.register(app)
    payments.register(app)
    # Every message that is not a command: the pending question's answer, or a hint.
    asking.register_router(app)
    start.register_fallbacks(app)
    app.add_error_handler(polling.on_conflict)  # first: a 409 from getUpdates stops the bot
    app.add_error_handler(on_error)  # type: ignore[arg-type]


async def register_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu in Spanish (default) and English."""
    default = app.bot_data["settings"].language
    for lang in LANGUAGES:
        commands = [BotCommand(c, t(lang, f"command.{c}")) for c in MENU]
        await app.bot.set_my_commands(commands, language_code=lang)
        if lang == default:
            await app.bot.set_my_commands(commands)


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    if not await polling.take_lock(app):
        return  # another poller uses this PostgreSQL database: crm-bot run says so
    startline.log_start(app)
    await register_commands(app)
    dropjob.schedule(app)
    backupjob.schedule(app)
    scheduler.schedule(app)
    # Subscriptions are checked as often as pings (a cheap indexed query), so a short
    # CRM_NOTIFY_INTERVAL_SECONDS also delivers due reports promptly.
    schedule_report_jobs(app, interval=app.bot_data["settings"].notify_interval_seconds)
    webhook.schedule_pruning(app)
    scheduler.schedule_payment_notices(
        app, interval=app.bot_data["settings"].notify_interval_seconds
    )


async def _post_stop(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    # run_polling/run_webhook stop on SIGTERM after in-flight updates finish; then give back
    # the claims this process holds so another instance takes over at once.
    notifier = app.bot_data.get(scheduler.NOTIFIER)
    if notifier is not None:
        await notifier.stop()


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await polling.release_lock(app)
    crm: Crm = app.bot_data["crm"]
    bind = crm.sessions.kw.get("bind")
    if bind is not None:
        await bind.dispose()
