"""The monthly report: on the first working day of a month (week-ends and French public
holidays skipped, programme time), from the first sending hour, last month's figures are
posted once to the staff channel (outbox key `report:YYYY-MM`), with its charts as files
when the scheduler has the words to draw them (`Labels`); without them, the post says that
`/mentorbot report` gives the charts. A month with nothing in it posts nothing."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.messages import Labels
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.alerts import digest_to_staff
from conversations.rules.calendar import Place, next_open
from conversations.staff import charts
from conversations.staff.figures import last_full_month, programme_figures
from conversations.staff.programme_report import queue_report, report_context
from storage import outbox

__all__ = ["monthly_report", "report_due"]


def report_due(now: datetime, config: ProgrammeConfig) -> bool:
    """Whether `now` is on the month's first working day, from its first sending hour."""
    local = now.astimezone(config.zone)
    first = datetime.combine(local.date().replace(day=1), time(0), config.zone)
    opens = next_open(first, config.nudges.window, Place(config.zone))
    return opens <= now and opens.astimezone(config.zone).date() == local.date()


async def monthly_report(
    sessions: async_sessionmaker[AsyncSession],
    now: datetime,
    config: ProgrammeConfig,
    labels: Labels | None = None,
) -> int:
    """Queue last month's report if it is due and not queued yet; returns 1 if queued."""
    if not report_due(now, config):
        return 0
    month = last_full_month(now, config.zone)
    key = f"report:{month}"
    async with sessions() as session, session.begin():
        if await outbox.is_queued(session, key):
            return 0
        found = await programme_figures(session, month=month, region=None, now=now, config=config)
        if not found.current.has_data:
            return 0
        drawn = charts.charts(found, labels, config.default_locale) if labels else []
        await digest_to_staff(
            session,
            key=key,
            template="staff.report.monthly",
            context={
                **report_context(found, config),
                "with_charts": bool(drawn),
                "report_month": month,
            },
            now=now,
            config=config,
        )
        await queue_report(session, found, drawn, key=key, now=now, config=config, live=False)
        return 1
