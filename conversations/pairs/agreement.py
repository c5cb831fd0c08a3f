"""Whether the two sides of a pair agree that they are in touch: a youth saying "no contact"
two months running while the mentor said "yes" both months is flagged to staff, once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs.alerts import alert_staff
from conversations.pairs.periods import previous_period
from storage import checkins
from storage.models import CheckinAnswer, Pairing, Role

__all__ = ["PulseAnswer", "check_disagreement"]


class PulseAnswer(StrEnum):
    """ "In touch with your mentor this month?" (YES is the mentor's `CheckinAnswer.YES`)."""

    YES = CheckinAnswer.YES.value
    NO = "no"


async def check_disagreement(
    session: AsyncSession,
    *,
    pairing: Pairing,
    period: str,
    now: datetime,
    config: ProgrammeConfig,
    actor: str = "system",
) -> bool:
    """Flag to staff (once) a youth saying "no contact" in `period` and the month before
    while the mentor said "yes" both months; returns whether an alert was queued.

    Called when the youth answers and when the mentor answers (the later answer of the two
    completes the picture); `actor`, the one who answered, is named in the audit log.
    """
    periods = (previous_period(period), period)
    rows = await checkins.in_periods(session, pairing.id, periods)
    said = {(row.period, row.respondent_role): row.answer for row in rows}
    if not all(
        said.get((p, Role.YOUTH)) == PulseAnswer.NO
        and said.get((p, Role.MENTOR)) == CheckinAnswer.YES
        for p in periods
    ):
        return False
    return await alert_staff(
        session,
        pairing=pairing,
        kind="disagreement",
        key=f"disagree:{pairing.id}:{period}",
        template="staff.disagreement",
        actor=actor,
        now=now,
        config=config,
        extra={"periods": list(periods)},
    )
