"""The youth pulse tick: once a month, the youth of an active pair is asked how it goes
(what is asked is `conversations.youth.pulse`; a batch's pulses are sent together)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup
from conversations.pairs.periods import next_due
from conversations.youth import pulse_sending
from scheduler.ticks.batch import DueTick
from storage.models import Pairing

__all__ = ["due_pulses"]


async def _pulses(
    session: AsyncSession, pairings: Sequence[Pairing], now: datetime, config: ProgrammeConfig
) -> None:
    followed = []
    for pairing in pairings:
        if followup.is_followed(pairing.status):
            followed.append(pairing)
        else:
            pairing.next_pulse_due_at = None
    before = {pairing.id: pairing.next_pulse_due_at for pairing in followed}
    await pulse_sending.send_pulses(session, followed, now=now, config=config)
    for pairing in followed:
        if pairing.next_pulse_due_at == before[pairing.id]:
            # nothing could be sent (unreachable youth...): try again next month
            pairing.next_pulse_due_at = next_due(now, pairing.checkin_day, config.zone)


# one batch of pairs whose youth pulse is due; returns how many
due_pulses = DueTick("pulse", Pairing.next_pulse_due_at, _pulses)
