"""The data model. Times are stored as timezone-aware UTC; money as NUMERIC(18, 2)."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(18, 2, asdecimal=True)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            # SQLite compares the ISO text: store all values in one shape (naive UTC).
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Role(StrEnum):
    """What a user may do: their own book, their team's, or everything (stored as these words)."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


ROLES = tuple(Role)
STATE_MEANINGS = ("open", "closed", "discarded")
ACTIVITY_EFFECTS = ("progress", "regression", "neutral")


class FollowUpStatus(StrEnum):
    """Where a follow-up is in its life (stored as these words)."""

    ACTIVE = "active"
    CLOSED = "closed"
    DISCARDED = "discarded"


FOLLOWUP_STATUSES = tuple(FollowUpStatus)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None while the user is pending: imported from the ERP, not yet linked to Telegram.
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    role: Mapped[str] = mapped_column(String(20), default="agent")
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str | None] = mapped_column(String(8))
    # Set when Telegram answers Forbidden (the user blocked the bot); pings stop.
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    unreachable_reported: Mapped[bool] = mapped_column(Boolean, default=False)
    last_digest_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: datetime.now(UTC))


class Tercero(Base):
    __tablename__ = "terceros"

    id: Mapped[int] = mapped_column(primary_key=True)
    nit: Mapped[str] = mapped_column(String(40), unique=True)
    # NIT without the -DV suffix, for lookups typed either way.
    nit_base: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-case, accent-free name, so "nunez" finds "Nuñez & Cía".
    search_name: Mapped[str] = mapped_column(String(200), index=True)
    address: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(80))
    phones: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(120))
    encargado_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # Where the tercero is (decimal degrees, migration 0009) and who said so: "erp" (the
    # terceros import), "visit" (saved from an agent's visit) or "shared" (a supervisor's
    # shared location); by whom and when (NULL for the ERP's).
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    location_source: Mapped[str | None] = mapped_column(String(10))
    location_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    location_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "confirmed" (the ERP's, a supervisor's) or "proposed" (an agent saved it from a visit;
    # visits are not verified against it until a supervisor confirms it), migration 0014.
    location_status: Mapped[str | None] = mapped_column(String(10))
    # Ley 2300 (migration 0010): "N" natural / "J" jurídica (NULL: not given, treated as N),
    # and the channels the debtor authorised, ";"-joined (NULL: not given, any channel).
    tipo_persona: Mapped[str | None] = mapped_column(String(1))
    canales_autorizados: Mapped[str | None] = mapped_column(String(200))


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (
        UniqueConstraint("doc_type", "number", name="uq_documents_type_number"),
        Index("ix_documents_tercero_date", "tercero_id", "date"),
        # Covering for cartera aging (migration 0002): book sums never touch the table.
        Index(
            "ix_documents_open_by_tercero",
            "tercero_id",
            "due_date",
            "date",
            "balance",
            postgresql_where=text("balance > 0"),
            sqlite_where=text("balance > 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tercero_id: Mapped[int] = mapped_column(ForeignKey("terceros.id"))
    doc_type: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Money)
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    detail: Mapped[str | None] = mapped_column(String(300))


class FollowUpType(Base):
    """A kind of follow-up; ``default_hours`` is the module's "Parámetros"."""

    __tablename__ = "followup_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    default_hours: Mapped[int] = mapped_column(Integer, default=24)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class State(Base):
    __tablename__ = "states"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    meaning: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Activity(Base):
    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    effect: Mapped[str] = mapped_column(String(20), default="neutral")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The contact channel this activity is (crm/ley2300.py Channel: "llamada", "whatsapp",
    # "sms", "correo", "visita"), so recording it goes through the Ley 2300 guard; NULL: not a
    # contact (migration 0015).
    canal: Mapped[str | None] = mapped_column(String(20))


class SupportDocument(Base):
    """A support document: an uploaded file or a template text with placeholders."""

    __tablename__ = "support_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    template: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class FollowUp(Base):
    __tablename__ = "followups"
    __table_args__ = (
        # The agenda: an agent's active follow-ups in page order (migration 0005).
        Index("ix_followups_owner_status_due_id", "owner_id", "status", "due_at", "id"),
        # The notifier's scan and team agendas: active follow-ups in (due, id) order, with
        # the owner to filter on without reading the row (migration 0005).
        Index(
            "ix_followups_active_due",
            "due_at",
            "id",
            "owner_id",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index(
            "ix_followups_active_document",
            "document_id",
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        # Re-importing the ERP's open follow-ups upserts on this key.
        Index("ux_followups_import_key", "import_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tercero_id: Mapped[int] = mapped_column(ForeignKey("terceros.id"), index=True)
    type_id: Mapped[int] = mapped_column(ForeignKey("followup_types.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default=FollowUpStatus.ACTIVE)
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"))
    # The main follow-up of the lineage; NULL on the main follow-up itself.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"), index=True)
    note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    postpone_count: Mapped[int] = mapped_column(Integer, default=0)
    # Bumped on every change; a press built on an older version is refused.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Notification bookkeeping: the due time already pinged, and the claim lease.
    notified_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "NIT|type|TIPO-NUMERO" for follow-ups imported from the ERP; NULL for the bot's own.
    import_key: Mapped[str | None] = mapped_column(String(200))


EVENT_KINDS = (
    "created",
    "postponed",
    "activity",
    "observation",
    "attachment",
    "closed",
    "discarded",
    "reassigned",
    "continued",
    "promise",
    "promise_kept",
    "promise_broken",
    "letter_sent",
    "imported",
    "contact",
    "payment_reported",
    "payment_confirmed",
    "payment_unseen",
    "state_changed",
    "visit",
)


class FollowUpEvent(Base):
    __tablename__ = "followup_events"
    __table_args__ = (Index("ix_followup_events_followup_at", "followup_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id"))
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    from_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    to_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    state_id: Mapped[int | None] = mapped_column(ForeignKey("states.id"))
    text: Mapped[str | None] = mapped_column(String(1000))
    file_id: Mapped[str | None] = mapped_column(String(200))
    file_kind: Mapped[str | None] = mapped_column(String(20))
    latitude: Mapped[float | None] = mapped_column()
    longitude: Mapped[float | None] = mapped_column()
    # A "visit" event (migration 0009): latitude/longitude are where the agent stood, ``at``
    # is the start; the end, the distance to the tercero (NULL without its coordinates) and
    # whether it was verified (within CRM_VISIT_RADIUS_M of a confirmed location, shared
    # live, fresh, the agent's own).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    verified: Mapped[bool | None] = mapped_column(Boolean)
    # Why (not) verified: "ok", "far", "forwarded", "stale", "no_location", "static",
    # "via_bot", "venue" or "proposed" (crm/visits.py VisitCheck).
    visit_check: Mapped[str | None] = mapped_column(String(12))


class Promise(Base):
    """A promise to pay (compromiso de pago) on a follow-up linked to cartera."""

    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    promised_date: Mapped[date] = mapped_column(Date)
    balance_at_promise: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """Who changed what, when, before → after (JSON text)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    user_code: Mapped[str | None] = mapped_column(String(40))
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set for `crm-bot users link CODE`: the link binds this pending user instead of adding one.
    link_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 0006: withdrawn by an admin (/invitaciones); the creator's Telegram id, for bootstrap
    # admins (CRM_ADMIN_IDS) that have no users row. revoked_by_id is a users.id (no FK: the
    # audit log holds the reference).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(Integer)
    created_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)


class Subscription(Base):
    """A report delivered on a schedule; claimed like a notification."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    report: Mapped[str] = mapped_column(String(20))
    frequency: Mapped[str] = mapped_column(String(10))
    at_time: Mapped[str] = mapped_column(String(5))
    filters: Mapped[str | None] = mapped_column(Text)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class BotState(Base):
    """PTB persistence (conversations, user/chat data) as JSON rows, shared by instances."""

    __tablename__ = "bot_state"

    namespace: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[str] = mapped_column(Text)


class ProcessedUpdate(Base):
    """Telegram update ids already taken by some instance (webhook retries hit any instance)."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ContactAttempt(Base):
    """A contact with a tercero (Ley 2300): registered, blocked by the guard, or forced by a
    supervisor with a reason. Blocked attempts are kept too, for the compliance report."""

    __tablename__ = "contact_attempts"
    __table_args__ = (Index("ix_contact_attempts_tercero_at", "tercero_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int | None] = mapped_column(ForeignKey("followups.id"), index=True)
    tercero_id: Mapped[int] = mapped_column(ForeignKey("terceros.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    # A 📞 Contacto result ("contestó"…), the activity's name, or a visit's check.
    result: Mapped[str | None] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(String(1000))
    # "registered" (complied), "blocked" (refused, nothing happened), "override" (forced).
    outcome: Mapped[str] = mapped_column(String(12))
    # The guard's rule that was broken (e.g. "sunday", "holiday"), NULL when it complied.
    rule: Mapped[str | None] = mapped_column(String(20))
    rule_detail: Mapped[str | None] = mapped_column(String(200))
    override_reason: Mapped[str | None] = mapped_column(String(500))
    protected: Mapped[bool] = mapped_column(Boolean, default=True)
    # The follow-up event recording the contact (a contact, activity or visit event; NULL for
    # blocked attempts and those before migration 0015).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("followup_events.id"))


class PaymentReport(Base):
    """A payment the debtor showed a receipt for, until the ERP's cartera confirms it."""

    __tablename__ = "payment_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    followup_id: Mapped[int] = mapped_column(ForeignKey("followups.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("promises.id"))
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[date | None] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(60))
    bank: Mapped[str | None] = mapped_column(String(40))
    file_id: Mapped[str | None] = mapped_column(String(200))
    # What OCR read before any correction (JSON), for audit.
    ocr_read: Mapped[str | None] = mapped_column(Text)
    balance_at_report: Mapped[Decimal] = mapped_column(Money)
    # "reported" (pago reportado), "confirmed" (pago confirmado), "unseen" (no visto).
    status: Mapped[str] = mapped_column(String(12), default="reported", index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supervisor_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Confirmation(Base):
    """A confirm button: drawn for the user it is shown to (``result`` empty until pressed),
    claimed in the same transaction as its action, keeping the result, so a double tap or a
    press on another instance shows it instead of acting again (crm/confirmations.py)."""

    __tablename__ = "confirmations"

    token: Mapped[str] = mapped_column(String(40), primary_key=True)
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    result: Mapped[str] = mapped_column(Text)


class SendBudget(Base):
    """Telegram's sending budget shared by all instances (bot/budget.py, migration 0006b)."""

    __tablename__ = "send_budget"

    id: Mapped[int] = mapped_column(primary_key=True)
    member: Mapped[str] = mapped_column(String(32), unique=True)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    until: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class BalanceChange(Base):
    """One document's saldo as a documentos import changed it: the balance history.

    ``old_balance`` is None when the import brought the document in (new cartera). A
    decrease is money collected (recaudo), credited to ``encargado_id``, the tercero's
    encargado at the time of the import."""

    __tablename__ = "balance_changes"
    __table_args__ = (
        Index("ix_balance_changes_document_id_at", "document_id", "at"),
        Index("ix_balance_changes_encargado_id_at", "encargado_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    old_balance: Mapped[Decimal | None] = mapped_column(Money)
    new_balance: Mapped[Decimal] = mapped_column(Money)
    encargado_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
