"""The silence tick: a pair with no sign of life for `silence_days` is at risk, and staff
get a case once per silence (`conversations.pairs.followup.silence_check` decides), listed
in the day's "pairs at risk" digest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup
from conversations.pairs.cases import open_alert
from scheduler.ticks.batch import locked
from storage.models import Pairing

__all__ = ["due_at_risk"]


async def due_at_risk(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
    """One batch of pairs whose silence is due for a look; returns how many."""
    pairings = await locked(
        session,
        select(Pairing).where(Pairing.at_risk_due_at <= now).order_by(Pairing.at_risk_due_at),
    )
    for pairing in pairings:
        check = followup.silence_check(
            status=pairing.status,
            last_contact_at=pairing.last_contact_at,
            first_meeting_at=pairing.first_meeting_at,
            started_at=pairing.started_at,
            now=now,
            silence_days=config.nudges.silence_days,
        )
        last = check.alert_since
        if last is not None:
            # once per silence (a case since its last contact); a new contact re-arms it
            await open_alert(
                session,
                pairing=pairing,
                topic="at_risk",
                since=last,
                actor="scheduler",
                now=now,
                config=config,
                days=(now - last).days,
            )
        pairing.at_risk_due_at = check.due_at
    return len(pairings)
