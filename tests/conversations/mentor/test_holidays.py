"""A mentor's holidays: dates typed as people type them, and the mentees told why things go
quiet (only those the bot can reach)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.container import Services
from conversations.mentor import holidays
from storage.models import Delivery, Person
from tests.fakes.mentoring import as_sent, make_pair

TODAY = date(2026, 11, 2)


@pytest.mark.parametrize(
    ("typed", "until"),
    [
        ("5 janvier", date(2027, 1, 5)),
        ("05/01", date(2027, 1, 5)),
        ("jusqu'au 5/1", date(2027, 1, 5)),
        ("until 20 December", date(2026, 12, 20)),
        ("2026-12-20", date(2026, 12, 20)),
    ],
)
def test_holiday_dates_are_read_as_typed(typed: str, until: date) -> None:
    assert holidays.parse_until(typed, TODAY) == until


@pytest.mark.parametrize("typed", ["", "bientôt", "²/01", "31/02"])
def test_what_is_not_a_date_is_none(typed: str) -> None:
    assert holidays.parse_until(typed, TODAY) is None


async def test_reachable_mentees_are_told_of_the_holidays(services: Services) -> None:
    reachable, _, mentor_id = await make_pair(services, telegram_id="1001")
    await make_pair(services, youth_name="Sans-Telegram")  # no chat with the bot
    async with services.sessions() as session, session.begin():
        mentor = await session.get(Person, mentor_id)
        assert mentor is not None
        said = await holidays.pause(session, mentor, "20/12", today=TODAY)
    assert said.replies[0].key == "mentor.paused"
    async with services.sessions() as session:
        told = (
            await session.scalars(
                select(Delivery).where(Delivery.template == "pairing.mentor_on_holiday")
            )
        ).all()
    assert [d.idempotency_key for d in told] == [f"holiday:{reachable}:2026-12-20"]
    assert (await as_sent(services, told[0].context))["mentor"] == "Claire"
