"""The youth pulse tick: once a month, the youth of an active pair is asked how it goes
(what is asked is `conversations.youth.pulse`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup
from conversations.pairs.periods import next_due
from conversations.youth import pulse
from scheduler.ticks.batch import locked
from storage.models import Pairing

__all__ = ["due_pulses"]


async def due_pulses(session: AsyncSession, now: datetime, config: ProgrammeConfig) -> int:
    """One batch of pairs whose youth pulse is due; returns how many."""
    pairings = await locked(
        session,
        select(Pairing).where(Pairing.next_pulse_due_at <= now).order_by(Pairing.next_pulse_due_at),
    )
    for pairing in pairings:
        if not followup.is_followed(pairing.status):
            pairing.next_pulse_due_at = None
            continue
        before = pairing.next_pulse_due_at
        await pulse.send_pulse(session, pairing=pairing, now=now, config=config)
        if pairing.next_pulse_due_at == before:
            # nothing could be sent (unreachable youth...): try again next month
            pairing.next_pulse_due_at = next_due(now, pairing.checkin_day, config.zone)
    return len(pairings)
