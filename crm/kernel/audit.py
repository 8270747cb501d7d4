"""The audit trail: every change, who, when, before → after."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


def _dump(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def record(
    session: AsyncSession,
    *,
    at: datetime,
    actor_id: int | None,
    entity: str,
    entity_id: object,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Add an audit row to the caller's transaction (so it commits or rolls back with it)."""
    session.add(
        AuditEntry(
            at=at,
            actor_id=actor_id,
            entity=entity,
            entity_id=str(entity_id),
            action=action,
            before=_dump(before),
            after=_dump(after),
        )
    )
