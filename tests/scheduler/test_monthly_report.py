"""The monthly report tick: posted once to the staff channel on the first working day of the
month from the first sending hour (not on 1 January nor a week-end, not twice), with its
charts when the scheduler has the words for them, else with the line that gives them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.container import Services, TemplateLabels
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from scheduler.ticks import Ticks
from scheduler.ticks.monthly_report import report_due
from storage.models import Delivery
from tests.fakes.programme import seed_programme

CONFIG = ProgrammeConfig()


def paris(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CONFIG.zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        # Monday 2 November 2026 (1 November, a Sunday, is All Saints' Day): from 9:00
        (paris(2026, 11, 2, 9), True),
        (paris(2026, 11, 2, 8, 59), False),
        (paris(2026, 11, 2, 18), True),
        (paris(2026, 11, 3, 9), False),
        # 1 January is a public holiday: Friday 1 January 2027 is skipped for Monday 4th
        # (2 and 3 January are a week-end)
        (paris(2027, 1, 1, 10), False),
        (paris(2027, 1, 2, 10), False),
        (paris(2027, 1, 4, 9), True),
        # Saturday 1 May 2027 (a public holiday too): Monday 3rd
        (paris(2027, 5, 1, 10), False),
        (paris(2027, 5, 3, 9, 30), True),
        # Tuesday 1 December 2026
        (paris(2026, 12, 1, 9), True),
    ],
)
def test_the_first_working_day_of_the_month(moment: datetime, due: bool) -> None:
    assert report_due(moment, CONFIG) is due


async def staff_posts(services: Services) -> list[Delivery]:
    """The report's posts for the staff channel (other ticks post there too)."""
    async with services.sessions() as session:
        found = await session.scalars(
            select(Delivery)
            .where(Delivery.destination == "staff", Delivery.idempotency_key.like("report:%"))
            .order_by(Delivery.id)
        )
        return list(found.all())


async def test_posted_once_with_its_charts(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await seed_programme(session)
    ticks = Ticks(services.sessions, services.config, TemplateLabels(services.renderer))
    assert await ticks.monthly_report(paris(2026, 11, 2, 8)) == 0
    assert await ticks.monthly_report(paris(2026, 11, 2, 9, 5)) == 1
    assert await ticks.monthly_report(paris(2026, 11, 2, 9, 10)) == 0
    posts = await staff_posts(services)
    assert [post.idempotency_key for post in posts] == [
        "report:2026-10",
        *(
            f"report:2026-10:{name}"
            for name in ("people", "delay", "health", "followup", "events", "exits")
        ),
    ]
    text = services.renderer.text(posts[0].template, "fr", Channel.SLACK, posts[0].context)
    assert "Bilan mensuel" in text
    assert "Le programme en octobre 2026" in text
    assert "/mentorbot report" not in text
    assert posts[0].context["with_charts"] is True
    # within the sending hours, like every staff post the scheduler makes
    assert "live" not in posts[1].context
    assert all(isinstance(post.context["file"], int) for post in posts[1:])


async def test_without_words_for_charts_the_post_says_where_they_are(
    services: Services,
) -> None:
    async with services.sessions() as session, session.begin():
        await seed_programme(session)
    report = await Ticks(services.sessions, services.config).run(paris(2026, 11, 2, 9, 5))
    assert report.counts["monthly_report"] == 1
    [post] = await staff_posts(services)
    assert post.idempotency_key == "report:2026-10"
    assert post.context["with_charts"] is False
    text = services.renderer.text(post.template, "fr", Channel.SLACK, post.context)
    assert "Les graphiques : `/mentorbot report 2026-10`" in text


async def test_nothing_on_other_days_nor_for_an_empty_month(services: Services) -> None:
    ticks = Ticks(services.sessions, services.config)
    # nothing happened in October: no post, even on the right day
    assert await ticks.monthly_report(paris(2026, 11, 2, 10)) == 0
    async with services.sessions() as session, session.begin():
        await seed_programme(session)
    # 1 January 2027 and a week-end are no working days; 3 November is not the first one
    for moment in (paris(2027, 1, 1, 10), paris(2027, 1, 2, 10), paris(2026, 11, 3, 10)):
        assert await ticks.monthly_report(moment) == 0
    assert await staff_posts(services) == []
