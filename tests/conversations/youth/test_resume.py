"""A conversation left for weeks resumes with a reminder of where it stood instead of
taking the first message back for an answer."""

from __future__ import annotations

from datetime import timedelta

from bot.container import Services
from conversations.core.clock import FixedClock
from tests.fakes.transcript import Person


async def test_weeks_later_the_question_comes_back_with_a_reminder(
    services: Services, clock: FixedClock
) -> None:
    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    said = await youth.presses("diploma:bac5")
    assert said.replies[-1].key == "eligibility.ask_birth_date"
    clock.advance(timedelta(days=31))  # MENTORBOT_RESUME_AFTER_DAYS defaults to 30
    said = await youth.says("coucou")
    assert said.keys[0] == "common.resume_reminder"
    assert "2 novembre 2026" in said.text
    assert said.replies[-1].key == "eligibility.ask_birth_date"  # not "not a date"
    said = await youth.says("12/03/2001")  # and the next answer is read as usual
    assert said.replies[-1].key == "eligibility.ask_qpv"


async def test_a_few_days_later_the_answer_is_just_read(
    services: Services, clock: FixedClock
) -> None:
    youth = Person(services)
    await youth.command("start")
    await youth.presses("privacy:accept")
    await youth.presses("diploma:bac5")
    clock.advance(timedelta(days=3))
    said = await youth.says("12/03/2001")
    assert "common.resume_reminder" not in said.keys
    assert said.replies[-1].key == "eligibility.ask_qpv"
