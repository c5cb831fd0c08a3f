"""What is due: the scheduler's periodic ticks.

Each tick reads only the rows whose indexed due date has passed (so 200,000 pairs cost what
is due, not what exists), decides what to do with the programme's rules, writes the
resulting messages to the outbox in the same transaction as the state change, and moves
the due date on. Ticks are idempotent (outbox keys are unique per logical message) and safe
in several processes at once (on PostgreSQL, rows another replica holds are skipped).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.engine import ProgrammeConfig
from conversations.core.messages import Channel
from conversations.mentor import checkin
from conversations.pairs.access import STAFF_DESTINATION, mentee_name
from conversations.pairs.lifecycle import FIRST_MEETING_STAGES
from conversations.rules.calendar import Place, next_open
from conversations.youth import pulse
from storage import outbox, privacy
from storage.models import (
    Application,
    ApplicationStatus,
    Checkin,
    MentorProfile,
    Pairing,
    PairingStatus,
    Person,
    Priority,
)

logger = logging.getLogger(__name__)
Row = TypeVar("Row")
# rows handled per transaction: a tick with more due work takes several batches
BATCH = 500


@dataclass
class TickReport:
    """How many rows each tick handled."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class Ticks:
    """The periodic computations of what is due."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: ProgrammeConfig) -> None:
        self._sessions = sessions
        self._config = config
        self._purged_on: date | None = None

    async def run(self, now: datetime) -> TickReport:
        """Run every tick once for `now`."""
        report = TickReport()
        report.add("first_meeting", await self._each(self._due_first_meetings, now))
        report.add("checkin", await self._each(self._due_checkins, now))
        report.add("checkin_reminder", await self._each(self._due_reminders, now))
        report.add("checkin_escalation", await self._each(self._due_escalations, now))
        report.add("pulse", await self._each(self._due_pulses, now))
        report.add("at_risk", await self._each(self._due_at_risk, now))
        report.add("unpaired", await self.unpaired_digest(now))
        report.add("retention", await self.retention_purge(now))
        return report

    async def _each(
        self,
        batch: Callable[[AsyncSession, datetime], Awaitable[int]],
        now: datetime,
    ) -> int:
        """Run one tick in batches, a transaction each, until nothing is due."""
        total = 0
        while True:
            async with self._sessions() as session, session.begin():
                handled = await batch(session, now)
            total += handled
            if handled < BATCH:
                return total

    @staticmethod
    async def _locked(session: AsyncSession, query: Select[Row]) -> Sequence[Row]:
        rows = await session.scalars(query.limit(BATCH).with_for_update(skip_locked=True))
        return rows.all()

    # ------------------------------------------------------------ first meeting

    async def _due_first_meetings(self, session: AsyncSession, now: datetime) -> int:
        pairings = await self._locked(
            session,
            select(Pairing)
            .where(Pairing.first_meeting_due_at <= now)
            .order_by(Pairing.first_meeting_due_at),
        )
        nudges = self._config.nudges
        days = (
            nudges.first_meeting_mentor_days,
            nudges.first_meeting_both_days,
            nudges.first_meeting_staff_days,
        )
        for pairing in pairings:
            if (
                pairing.status != PairingStatus.ACTIVE
                or pairing.first_meeting_at is not None
                or pairing.started_at is None
                or pairing.first_meeting_stage >= FIRST_MEETING_STAGES
            ):
                pairing.first_meeting_due_at = None
                continue
            stage = pairing.first_meeting_stage + 1
            due = pairing.started_at + timedelta(days=days[stage - 1])
            if due > now:
                pairing.first_meeting_due_at = due
                continue
            await self._first_meeting_nudge(session, pairing, stage, now)
            pairing.first_meeting_stage = stage
            pairing.first_meeting_due_at = (
                max(now, pairing.started_at + timedelta(days=days[stage]))
                if stage < FIRST_MEETING_STAGES
                else None
            )
        return len(pairings)

    async def _first_meeting_nudge(
        self, session: AsyncSession, pairing: Pairing, stage: int, now: datetime
    ) -> None:
        mentee = await mentee_name(session, pairing)
        if stage in (1, 2):
            await outbox.enqueue(
                session,
                key=f"first_meeting:{pairing.id}:{stage}:mentor",
                person_id=pairing.mentor_id,
                channel=Channel.SLACK,
                template="mentor.first_meeting_reminder",
                context={
                    "pairing": pairing.id,
                    "mentee": mentee,
                    "days": (now - (pairing.started_at or now)).days,
                    "choices": [["choice.mentor.first_meeting", f"fm:{pairing.id}"]],
                },
                now=now,
            )
        youth = await session.get(Person, pairing.youth_id)
        if stage == 2 and youth is not None and youth.unreachable_at is None:
            await outbox.enqueue(
                session,
                key=f"first_meeting:{pairing.id}:{stage}:youth",
                person_id=pairing.youth_id,
                channel=Channel.TELEGRAM,
                template="pairing.first_meeting_reminder",
                context={"pairing": pairing.id},
                now=now,
            )
        if stage == 3:
            await self._alert(
                session,
                key=f"first_meeting:{pairing.id}:3:staff",
                template="staff.first_meeting_missing",
                context={
                    "pairing": pairing.id,
                    "mentee": mentee,
                    "days": self._config.nudges.first_meeting_staff_days,
                },
                now=now,
            )

    # ------------------------------------------------------------ monthly check-in

    async def _due_checkins(self, session: AsyncSession, now: datetime) -> int:
        pairings = await self._locked(
            session,
            select(Pairing)
            .where(Pairing.status == PairingStatus.ACTIVE, Pairing.next_checkin_due_at <= now)
            .order_by(Pairing.next_checkin_due_at),
        )
        today = now.astimezone(self._config.zone).date()
        # the mentors on holiday among this batch, in one query rather than one per pair
        rows = await session.execute(
            select(MentorProfile.person_id, MentorProfile.checkins_paused_until).where(
                MentorProfile.person_id.in_({p.mentor_id for p in pairings}),
                MentorProfile.checkins_paused_until >= today,
            )
        )
        paused = {mentor_id: until for mentor_id, until in rows}
        for pairing in pairings:
            paused_until = paused.get(pairing.mentor_id)
            if paused_until is not None:
                # holidays: the check-in goes out the first working hour after the pause
                resume = datetime.combine(
                    paused_until + timedelta(days=1), time(10), self._config.zone
                )
                pairing.next_checkin_due_at = next_open(
                    resume, self._config.nudges.window, Place(self._config.zone)
                )
                continue
            await checkin.monthly_round(session, pairing=pairing, now=now, config=self._config)
        return len(pairings)

    async def _due_reminders(self, session: AsyncSession, now: datetime) -> int:
        checkins = await self._locked(
            session, select(Checkin).where(Checkin.remind_at <= now).order_by(Checkin.remind_at)
        )
        for row in checkins:
            await checkin.remind_checkin(session, checkin=row, now=now, config=self._config)
        return len(checkins)

    async def _due_escalations(self, session: AsyncSession, now: datetime) -> int:
        checkins = await self._locked(
            session,
            select(Checkin).where(Checkin.escalate_at <= now).order_by(Checkin.escalate_at),
        )
        for row in checkins:
            await checkin.escalate_checkin(session, checkin=row, now=now, config=self._config)
        return len(checkins)

    # ------------------------------------------------------------ youth pulse

    async def _due_pulses(self, session: AsyncSession, now: datetime) -> int:
        pairings = await self._locked(
            session,
            select(Pairing)
            .where(Pairing.next_pulse_due_at <= now)
            .order_by(Pairing.next_pulse_due_at),
        )
        for pairing in pairings:
            if pairing.status != PairingStatus.ACTIVE:
                pairing.next_pulse_due_at = None
                continue
            before = pairing.next_pulse_due_at
            await pulse.send_pulse(session, pairing=pairing, now=now, config=self._config)
            if pairing.next_pulse_due_at == before:
                # nothing could be sent (unreachable youth...): try again next month
                pairing.next_pulse_due_at = checkin.next_due(
                    now, pairing.checkin_day, self._config.zone
                )
        return len(pairings)

    # ------------------------------------------------------------ silence

    async def _due_at_risk(self, session: AsyncSession, now: datetime) -> int:
        pairings = await self._locked(
            session,
            select(Pairing).where(Pairing.at_risk_due_at <= now).order_by(Pairing.at_risk_due_at),
        )
        silence = timedelta(days=self._config.nudges.silence_days)
        for pairing in pairings:
            if pairing.status != PairingStatus.ACTIVE:
                pairing.at_risk_due_at = None
                continue
            moments = (pairing.last_contact_at, pairing.first_meeting_at, pairing.started_at)
            last = max(moment for moment in moments if moment is not None)
            if last + silence > now:
                pairing.at_risk_due_at = last + silence
                continue
            # once per silence: the key names the last contact, a new contact re-arms it
            await self._alert(
                session,
                key=f"at_risk:{pairing.id}:{last:%Y-%m-%d}",
                template="staff.at_risk",
                context={
                    "pairing": pairing.id,
                    "mentee": await mentee_name(session, pairing),
                    "days": (now - last).days,
                    "choices": [["choice.staff.view_pair", f"sp:{pairing.id}"]],
                },
                now=now,
            )
            pairing.at_risk_due_at = now + silence
        return len(pairings)

    # ------------------------------------------------------------ unpaired youths

    async def unpaired_digest(self, now: datetime) -> int:
        """Once a week, at the first sending hour: the eligible youths still waiting for a
        mentor (staff channel). `mentorbot status` lists them at any time."""
        place = Place(self._config.zone)
        if next_open(now, self._config.nudges.window, place) > now:
            return 0
        year, week, _ = now.astimezone(self._config.zone).isocalendar()
        async with self._sessions() as session, session.begin():
            key = f"unpaired:{year}-W{week:02d}"
            if await outbox.is_queued(session, key):
                return 0
            count = await session.scalar(
                select(func.count()).select_from(
                    unpaired_query(now, self._config.nudges.unpaired_days).subquery()
                )
            )
            if not count:
                return 0
            oldest = (
                await session.execute(
                    unpaired_query(now, self._config.nudges.unpaired_days).limit(10)
                )
            ).all()
            await self._alert(
                session,
                key=key,
                template="staff.unpaired",
                context={
                    "count": int(count),
                    "days": self._config.nudges.unpaired_days,
                    "oldest": [
                        {
                            "person": person.id,
                            "name": person.display_name or "",
                            "region": application.region or "",
                            "waiting_days": (now - (application.decided_at or now)).days,
                        }
                        for application, person in oldest
                    ],
                },
                now=now,
            )
            return 1

    # ------------------------------------------------------------ retention

    async def retention_purge(self, now: datetime) -> int:
        """Once a day: erase the youths whose data the privacy notice says we no longer keep
        (`retention_days` after an application left unfinished, a refusal, or the end of
        their mentoring). Eligible youths still waiting for a mentor are kept."""
        day = now.astimezone(self._config.zone).date()
        if self._purged_on == day:
            return 0
        limit = now - timedelta(days=self._config.retention_days)
        erased = 0
        async with self._sessions() as session, session.begin():
            for person in await session.scalars(expired_youths(limit).limit(BATCH)):
                await privacy.erase_person(session, person, now, actor="retention")
                erased += 1
        if erased < BATCH:
            self._purged_on = day  # more to do: the next tick carries on
        if erased:
            logger.info("retention: %s people's data erased", erased)
        return erased

    async def _alert(
        self,
        session: AsyncSession,
        *,
        key: str,
        template: str,
        context: dict[str, Any],
        now: datetime,
    ) -> None:
        await outbox.enqueue(
            session,
            key=key,
            destination=STAFF_DESTINATION,
            channel=Channel.SLACK,
            template=template,
            context={**context, "locale": self._config.default_locale},
            now=now,
            priority=Priority.URGENT,
        )


def unpaired_query(now: datetime, unpaired_days: int) -> Select[Application, Person]:
    """Eligible youths still without a pairing after `unpaired_days` days, oldest first."""
    since = now - timedelta(days=unpaired_days)
    return (
        select(Application, Person)
        .join(Person, Person.id == Application.person_id)
        .where(
            Application.decision == "eligible",
            Application.status == ApplicationStatus.DECIDED,
            Application.decided_at <= since,
            Person.erased_at.is_(None),
            ~exists().where(Pairing.youth_id == Application.person_id),
        )
        .order_by(Application.decided_at)
    )


def expired_youths(limit: datetime) -> Select[Person]:
    """Youths (not yet erased) with no open pairing, no eligible application waiting for a
    mentor, and nothing newer than `limit`: an application started or decided, a pairing
    closed."""
    newer_application = (
        exists()
        .where(
            Application.person_id == Person.id,
            or_(
                Application.started_at > limit,
                Application.decided_at > limit,
                and_(
                    Application.status == ApplicationStatus.DECIDED,
                    Application.decision.in_(("eligible", "review")),
                    ~exists().where(Pairing.youth_id == Person.id).correlate(Person),
                ),
            ),
        )
        .correlate(Person)
    )
    live_pairing = (
        exists()
        .where(
            Pairing.youth_id == Person.id,
            or_(Pairing.status != PairingStatus.CLOSED, Pairing.closed_at > limit),
        )
        .correlate(Person)
    )
    return (
        select(Person)
        .where(
            Person.role == "youth",
            Person.erased_at.is_(None),
            Person.consent_at.is_not(None),
            Person.created_at <= limit,
            ~newer_application,
            ~live_pairing,
        )
        .order_by(Person.id)
    )
