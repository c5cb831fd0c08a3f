"""The silence tick: a pair with no sign of life for `silence_days` is at risk, and staff
get a case once per silence (`conversations.pairs.followup.silence_check` decides), listed
in the day's "pairs at risk" digest. A batch's alerts are opened together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup
from conversations.pairs.cases import Alert, open_alerts
from scheduler.ticks.batch import DueTick
from storage.models import Pairing

__all__ = ["due_at_risk"]


async def _look(
    session: AsyncSession, pairings: Sequence[Pairing], now: datetime, config: ProgrammeConfig
) -> None:
    alerts = []
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
            alerts.append(Alert(pairing, since=last, days=(now - last).days))
        pairing.at_risk_due_at = check.due_at
    await open_alerts(session, alerts, topic="at_risk", actor="scheduler", now=now, config=config)


# one batch of pairs whose silence is due for a look; returns how many
due_at_risk = DueTick("at_risk", Pairing.at_risk_due_at, _look)
