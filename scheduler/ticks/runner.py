"""The ticks composed: every tick once per run, in a fixed order, with a count of each."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.messages import Labels
from conversations.core.programme import ProgrammeConfig
from scheduler.ticks.announcements import due_announcements, due_event_reminders
from scheduler.ticks.at_risk import due_at_risk
from scheduler.ticks.batch import BatchTick, run_batches
from scheduler.ticks.cases import due_cases_again
from scheduler.ticks.checkin_reminders import due_escalations, due_reminders
from scheduler.ticks.first_meeting import due_first_meetings
from scheduler.ticks.meeting import due_meeting_followups, due_meeting_reminders
from scheduler.ticks.monthly_report import monthly_report
from scheduler.ticks.monthly_round import due_checkins
from scheduler.ticks.pulses import due_pulses
from scheduler.ticks.retention import RetentionPurge
from scheduler.ticks.unpaired import unpaired_digest

__all__ = ["BATCHED_TICKS", "TickReport", "Ticks"]

# the ticks over indexed due-date columns, by report name, in the order they run
BATCHED_TICKS: tuple[tuple[str, BatchTick], ...] = (
    ("first_meeting", due_first_meetings),
    ("meeting_reminder", due_meeting_reminders),
    ("meeting_followup", due_meeting_followups),
    ("checkin", due_checkins),
    ("checkin_reminder", due_reminders),
    ("checkin_escalation", due_escalations),
    ("pulse", due_pulses),
    ("at_risk", due_at_risk),
    ("announcement", due_announcements),
    ("event_reminder", due_event_reminders),
    ("cases_again", due_cases_again),
)


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

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        config: ProgrammeConfig,
        labels: Labels | None = None,
    ) -> None:
        self._sessions = sessions
        self._config = config
        # the words the monthly report's charts are drawn with (None: a text-only report)
        self._labels = labels
        self._retention = RetentionPurge(sessions, config)

    async def run(self, now: datetime) -> TickReport:
        """Run every tick once for `now`."""
        report = TickReport()
        for name, tick in BATCHED_TICKS:
            report.add(name, await run_batches(self._sessions, tick, now, self._config))
        report.add("unpaired", await self.unpaired_digest(now))
        report.add("monthly_report", await self.monthly_report(now))
        report.add("retention", await self.retention_purge(now))
        return report

    async def unpaired_digest(self, now: datetime) -> int:
        """Once a week, at the first sending hour: the eligible youths still waiting for a
        mentor (staff channel). `mentorbot status` lists them at any time."""
        return await unpaired_digest(self._sessions, now, self._config)

    async def monthly_report(self, now: datetime) -> int:
        """On the first working day of a month, at the first sending hour: last month's
        figures and charts (staff channel), once."""
        return await monthly_report(self._sessions, now, self._config, self._labels)

    async def retention_purge(self, now: datetime) -> int:
        """Once a day: erase the youths whose data the privacy notice says we no longer keep
        (`retention_days` after an application left unfinished, a refusal, or the end of
        their mentoring). Eligible youths still waiting for a mentor are kept."""
        return await self._retention.run(now)
