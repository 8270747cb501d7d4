"""Excel reports: what is asked (:mod:`.request`), who it covers (:mod:`.scope`), the report
kinds (:mod:`.kinds`, one module each, registered in :mod:`.registry`), their queries
(:mod:`.queries`), the build pipeline (:mod:`.build`), the workbook writer (:mod:`.workbook`)
and scheduled deliveries (:mod:`.subscriptions`).

The names other modules use are re-exported here.
"""

from __future__ import annotations

from crm.kernel.input import STATUS_WORDS
from crm.reports import kinds, registry
from crm.reports.build import (
    MAX_UPLOAD_BYTES,
    BreakdownLine,
    ReportFile,
    ReportTooLarge,
    build_report,
)
from crm.reports.grammar import (
    build_request,
    default_period,
    parse_filters,
    parse_request,
    period_range,
    request_for,
    split_args,
)
from crm.reports.registry import CHUNK, ReportKind, register
from crm.reports.request import FILTER_KEYS, PERIOD_WORDS, ReportRequest
from crm.reports.rows import BUCKETS, aging_bucket
from crm.reports.subscriptions import (
    FREQUENCIES,
    LEASE,
    MAX_SUBSCRIPTIONS,
    Delivery,
    SubscriptionView,
    cancel_subscription,
    due_subscriptions,
    list_subscriptions,
    next_occurrence,
    subscribe,
    subscription_request,
)

kinds.load_all()
REPORT_KINDS = registry.names()

__all__ = [
    "BUCKETS",
    "CHUNK",
    "FILTER_KEYS",
    "FREQUENCIES",
    "LEASE",
    "MAX_SUBSCRIPTIONS",
    "MAX_UPLOAD_BYTES",
    "PERIOD_WORDS",
    "REPORT_KINDS",
    "STATUS_WORDS",
    "BreakdownLine",
    "Delivery",
    "ReportFile",
    "ReportKind",
    "ReportRequest",
    "ReportTooLarge",
    "SubscriptionView",
    "aging_bucket",
    "build_report",
    "build_request",
    "cancel_subscription",
    "default_period",
    "due_subscriptions",
    "list_subscriptions",
    "next_occurrence",
    "parse_filters",
    "parse_request",
    "period_range",
    "register",
    "request_for",
    "split_args",
    "subscribe",
    "subscription_request",
]
