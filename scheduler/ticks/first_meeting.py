"""The first-meeting tick: reminders while a new pair has not logged its first meeting.

Which stage is due and who hears it are `conversations.pairs.followup` decisions; this
tick loads the due pairs, queues the batch's messages together (one outbox INSERT), opens
its staff alerts together and moves the due dates on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.pairs import followup
from conversations.pairs.cases import Alert, open_alerts
from scheduler.ticks.batch import DueTick
from storage import batches, outbox
from storage.models import Pairing

__all__ = ["due_first_meetings"]


async def _nudges(
    session: AsyncSession, pairings: Sequence[Pairing], now: datetime, config: ProgrammeConfig
) -> None:
    sending: list[tuple[Pairing, int]] = []
    for pairing in pairings:
        step = followup.first_meeting_step(
            status=pairing.status,
            started_at=pairing.started_at,
            first_meeting_at=pairing.first_meeting_at,
            stage=pairing.first_meeting_stage,
            now=now,
            nudges=config.nudges,
        )
        if step.send is not None:
            sending.append((pairing, step.send))
            pairing.first_meeting_stage = step.send
        pairing.first_meeting_due_at = step.due_at
    reachable = await batches.not_marked_unreachable(
        session, {pairing.youth_id for pairing, _ in sending}
    )
    messages: list[outbox.Message] = []
    alerts: list[Alert] = []
    for pairing, stage in sending:
        audience = followup.first_meeting_audience(
            stage, youth_reachable=pairing.youth_id in reachable
        )
        if audience.mentor:
            messages.append(_to_mentor(pairing, stage, now))
        if audience.youth:
            messages.append(
                outbox.Message(
                    key=f"first_meeting:{pairing.id}:{stage}:youth",
                    person_id=pairing.youth_id,
                    channel=Channel.TELEGRAM,
                    template="pairing.first_meeting_reminder",
                    context={"pairing": pairing.id},
                )
            )
        if audience.staff:
            # a case, in the day's "no first meeting" digest; once per pair
            alerts.append(
                Alert(
                    pairing,
                    since=pairing.started_at or now,
                    days=config.nudges.first_meeting_staff_days,
                )
            )
    await outbox.enqueue_many(session, messages, now)
    await open_alerts(
        session,
        alerts,
        topic="first_meeting_missing",
        actor="scheduler",
        now=now,
        config=config,
    )


def _to_mentor(pairing: Pairing, stage: int, now: datetime) -> outbox.Message:
    return outbox.Message(
        key=f"first_meeting:{pairing.id}:{stage}:mentor",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="mentor.first_meeting_reminder",
        context={
            "pairing": pairing.id,
            "mentee": outbox.person_ref(pairing.youth_id),
            "days": (now - (pairing.started_at or now)).days,
            "choices": [["choice.mentor.first_meeting", codec.encode("fm", pairing.id)]],
        },
    )


# one batch of pairs whose first-meeting reminder is due; returns how many
due_first_meetings = DueTick("first_meeting", Pairing.first_meeting_due_at, _nudges)
