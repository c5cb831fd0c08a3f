"""The audit log: staff actions, data exports and erasures; listing it, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditLog

__all__ = ["RULES_FILE", "last_rules_file", "listing", "record"]

# the action of an entry saying a rules or weights file was seen with a new content
RULES_FILE = "rules_file"


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


def _literal(text: str) -> str:
    """`text` matched as it is by LIKE (its `%`, `_` and `\\` escaped)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def listing(
    session: AsyncSession,
    *,
    since: datetime | None = None,
    actor: str | None = None,
    action: str | None = None,
    limit: int | None = 50,
    offset: int = 0,
) -> Sequence[AuditLog]:
    """Entries newest first: from `since` on, by `actor` and of `action` when given, both
    ignoring case. `actor` is also found after its kind (`USTAFF1` finds `staff:USTAFF1`,
    `12` finds `mentor:12`), `action` also names the actions it begins (`pairing` finds
    `pairing_created`, `pairing_closed`...). `limit` entries after skipping `offset` (None:
    all)."""
    query = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if since is not None:
        query = query.where(AuditLog.at >= since)
    if actor is not None:
        wanted = actor.lower()
        written = func.lower(AuditLog.actor)
        query = query.where(
            or_(written == wanted, written.like("%:" + _literal(wanted), escape="\\"))
        )
    if action is not None:
        kind = action.lower()
        named = func.lower(AuditLog.action)
        query = query.where(or_(named == kind, named.like(_literal(kind) + "\\_%", escape="\\")))
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return (await session.scalars(query)).all()


async def last_rules_file(session: AsyncSession, name: str) -> AuditLog | None:
    """The latest `rules_file` entry for the file called `name`, if any."""
    query = (
        select(AuditLog)
        .where(AuditLog.action == RULES_FILE, AuditLog.detail["file"].as_string() == name)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()
