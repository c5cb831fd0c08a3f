"""The meeting tick: the reminder the day before an accepted meeting and the mentor's one
question after its date; once each, nothing for a pair no longer going on, batch-wise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel, Incoming, Kind, Reply, SendResult, SendStatus
from conversations.pairs import meeting
from conversations.pairs.lifecycle import change_status
from scheduler.dispatcher import Dispatcher
from scheduler.ticks import Ticks, batch
from scheduler.ticks.meeting import due_meeting_reminders
from storage import meetings, threads
from storage.models import (
    CloseReason,
    Delivery,
    Meeting,
    MeetingState,
    Pairing,
    PairingStatus,
    Person,
)
from tests.fakes.mentoring import make_pair
from tests.fakes.transcript import Person as Talker

MENTOR = "UMENTOR1"
YOUTH = "7001"
THREAD = "1700000000.000100"
# Thursday 5 November 2026, 14:00 in Paris (the tests start on Monday 2 November, 10:00)
THURSDAY = datetime(2026, 11, 5, 13, 0, tzinfo=UTC)


async def _queued(services: Services, prefix: str = "meeting:") -> list[str]:
    async with services.sessions() as session:
        keys = await session.scalars(
            select(Delivery.idempotency_key)
            .where(Delivery.idempotency_key.startswith(prefix))
            .order_by(Delivery.id)
        )
        return list(keys.all())


async def _meeting(services: Services, meeting_id: int) -> Meeting:
    async with services.sessions() as session:
        found = await session.get(Meeting, meeting_id)
    assert found is not None
    return found


async def _proposed(services: Services, *, accept: bool = True) -> tuple[int, int]:
    """A pair with its thread, a meeting proposed for Thursday 14:00 (accepted)."""
    pairing_id, _, _ = await make_pair(services, telegram_id=YOUTH)
    async with services.sessions() as session, session.begin():
        await threads.record(
            session,
            channel="slack",
            chat_id="DMENTOR1",
            ts=THREAD,
            now=services.clock.now(),
            pairing_id=pairing_id,
        )
    await Talker(services, MENTOR, channel=Channel.SLACK).replay(
        Incoming(
            Channel.SLACK,
            MENTOR,
            Kind.FORM,
            form=meeting.FORM,
            answers={"starts_at": THURSDAY, "place": "en visio"},
            metadata={"pairing": pairing_id},
            event_id="view:VPROPOSE",
        )
    )
    async with services.sessions() as session:
        [found] = (await session.scalars(select(Meeting))).all()
    if accept:
        await Talker(services, YOUTH).presses(f"ma:{found.id}:ok")
    return pairing_id, found.id


class Recorder:
    """A platform that accepts every message and remembers where each went."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Reply]] = []

    async def send(self, chat_id: str, reply: Reply) -> SendResult:
        self.sent.append((chat_id, reply))
        return SendResult(SendStatus.SENT, chat=chat_id, ref=f"{len(self.sent)}.000")


async def test_both_are_reminded_the_day_before_once_then_the_mentor_is_asked_once(
    services: Services, clock: FixedClock
) -> None:
    pairing_id, meeting_id = await _proposed(services)
    ticks = Ticks(services.sessions, services.config)
    clock.set(THURSDAY - timedelta(hours=24, minutes=1))
    await ticks.run(clock.now())
    assert await _queued(services, f"meeting:{meeting_id}:reminder") == []

    clock.set(THURSDAY - timedelta(hours=24))
    report = await ticks.run(clock.now())
    assert report.counts["meeting_reminder"] == 1
    assert await _queued(services, f"meeting:{meeting_id}:reminder") == [
        f"meeting:{meeting_id}:reminder:youth",
        f"meeting:{meeting_id}:reminder:mentor",
    ]
    reminded = await _meeting(services, meeting_id)
    assert (reminded.reminded_at, reminded.reminder_due_at) == (clock.now(), None)
    assert (await ticks.run(clock.now())).counts["meeting_reminder"] == 0

    # sent in sending hours, the mentor's in the pair's thread
    telegram, slack = Recorder(), Recorder()
    outbox = Dispatcher(services.sessions, {"telegram": telegram, "slack": slack}, services.clock)
    await outbox.run_until_empty()
    [to_youth] = [r for _, r in telegram.sent if r.key == "meeting.youth.reminder"]
    [to_mentor] = [r for _, r in slack.sent if r.key == "meeting.mentor.reminder"]
    assert to_mentor.thread == THREAD
    text = services.renderer.render(to_youth, Channel.TELEGRAM).text
    assert "Rappel : ta première rencontre avec Claire, c'est le jeudi 5 novembre à 14 h" in text
    assert "en visio" in text
    text = services.renderer.render(to_mentor, Channel.SLACK).text
    assert "Rappel : première rencontre avec Inès le jeudi 5 novembre à 14 h" in text

    clock.set(THURSDAY + timedelta(hours=1, minutes=59))
    await ticks.run(clock.now())
    assert await _queued(services, f"meeting:{meeting_id}:held") == []
    clock.set(THURSDAY + timedelta(hours=2))
    assert (await ticks.run(clock.now())).counts["meeting_followup"] == 1
    assert (await ticks.run(clock.now())).counts["meeting_followup"] == 0
    assert await _queued(services, f"meeting:{meeting_id}:held") == [f"meeting:{meeting_id}:held"]
    await outbox.run_until_empty()
    [asked] = [r for _, r in slack.sent if r.key == "meeting.mentor.held_question"]
    assert asked.thread == THREAD
    assert [c.value for c in asked.choices] == [
        f"mh:{meeting_id}:yes",
        f"mh:{meeting_id}:no",
    ]
    assert (await _meeting(services, meeting_id)).followed_up_at == clock.now()
    assert pairing_id


async def test_a_proposal_left_unanswered_is_not_reminded_but_asked_about(
    services: Services, clock: FixedClock
) -> None:
    _, meeting_id = await _proposed(services, accept=False)
    ticks = Ticks(services.sessions, services.config)
    for moment in (THURSDAY - timedelta(hours=24), THURSDAY + timedelta(hours=2)):
        clock.set(moment)
        await ticks.run(clock.now())
    assert await _queued(services) == [
        f"meeting:{meeting_id}:proposed",
        f"meeting:{meeting_id}:held",
    ]


@pytest.mark.parametrize("why", ["declined", "paused", "closed", "erased", "met"])
async def test_no_reminder_nor_question_when_the_meeting_or_pair_is_no_longer_on(
    services: Services, clock: FixedClock, why: str
) -> None:
    pairing_id, meeting_id = await _proposed(services, accept=why != "declined")
    if why == "declined":
        await Talker(services, YOUTH).presses(f"ma:{meeting_id}:other")
    elif why == "met":
        await Talker(services, MENTOR, channel=Channel.SLACK).presses(f"fm:{pairing_id}")
    else:
        async with services.sessions() as session, session.begin():
            pairing = await session.get(Pairing, pairing_id)
            assert pairing is not None
            if why == "erased":
                youth = await session.get(Person, pairing.youth_id)
                assert youth is not None
                youth.erased_at = clock.now()
            else:
                status = PairingStatus.PAUSED if why == "paused" else PairingStatus.CLOSED
                reason = None if why == "paused" else CloseReason.GAVE_UP
                change_status(
                    pairing, status, now=clock.now(), config=services.config, reason=reason
                )
    ticks = Ticks(services.sessions, services.config)
    for moment in (THURSDAY - timedelta(hours=24), THURSDAY + timedelta(hours=2)):
        clock.set(moment)
        await ticks.run(clock.now())
    queued = await _queued(services, f"meeting:{meeting_id}:")
    assert [k for k in queued if ":reminder:" in k or k.endswith(":held")] == []
    left = await _meeting(services, meeting_id)
    assert (left.reminder_due_at, left.followup_due_at) == (None, None)


async def test_the_tick_reads_due_meetings_batch_by_batch(
    services: Services, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    pairing_id, _ = await _proposed(services)
    now = clock.now()
    async with services.sessions() as session, session.begin():
        for n in range(5):
            made = await meetings.add(
                session,
                pairing_id=pairing_id,
                starts_at=THURSDAY + timedelta(days=n),
                place=None,
                now=now,
                followup_due_at=None,
            )
            made.state = MeetingState.ACCEPTED
            made.reminder_due_at = now - timedelta(minutes=n)
    monkeypatch.setattr(batch, "BATCH", 2)
    handled = await batch.run_batches(
        services.sessions, due_meeting_reminders, now, services.config
    )
    assert handled == 5
    reminders = await _queued(services, "meeting:")
    assert len([k for k in reminders if k.endswith(":reminder:mentor")]) == 5
    assert (
        await batch.run_batches(services.sessions, due_meeting_reminders, now, services.config) == 0
    )
