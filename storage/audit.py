"""The audit log: staff actions, data exports and erasures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLog

__all__ = ["record"]


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    now: datetime,
    subject_person_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry; never put names or messages in `detail`, only ids and codes."""
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action=action,
            subject_person_id=subject_person_id,
            detail=detail or {},
        )
    )
