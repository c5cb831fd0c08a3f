"""The privacy notice, /privacy and the FAQ state the retention periods the purge applies,
from the same settings, in both languages."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.container import Services, build
from conversations.core.clock import FixedClock
from storage.database import upgrade
from tests.conftest import make_settings
from tests.fakes.transcript import Person as Youth

PERIODS = {
    "MENTORBOT_RETENTION_UNFINISHED_DAYS": "41",
    "MENTORBOT_RETENTION_REFUSED_DAYS": "62",
    "MENTORBOT_RETENTION_CLOSED_DAYS": "183",
    "MENTORBOT_RETENTION_CASES_DAYS": "94",
    "MENTORBOT_RETENTION_AUDIT_DAYS": "1005",
}


@pytest.fixture
async def services(tmp_path: Path, clock: FixedClock) -> AsyncIterator[Services]:
    built = build(make_settings(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}", **PERIODS), clock)
    await upgrade(built.db)
    yield built
    await built.close()


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "fr",
            [
                "une inscription pas terminée : 41 jours après ta dernière réponse",
                "si le programme ne peut pas t'accompagner : 62 jours après sa réponse",
                "puis 183 jours après ton dernier échange avec la personne qui t'accompagne",
                "ce que tu écris à l'équipe : 94 jours une fois ta demande réglée",
                "jamais ton nom ni tes réponses) : 1005 jours",
            ],
        ),
        (
            "en",
            [
                "a registration left unfinished: 41 days after your last answer",
                "if the programme cannot support you: 62 days after its answer",
                "then 183 days after your last contact with your mentor",
                "what you write to the team: 94 days after it is dealt with",
                "never your name or your answers): 1005 days",
            ],
        ),
    ],
)
async def test_the_notice_and_privacy_state_the_configured_periods(
    services: Services, language: str, lines: list[str]
) -> None:
    youth = Youth(services, language=language)
    notice = await youth.command("start")
    for line in lines:
        assert line in notice.text
    await youth.presses(notice.buttons[0][1])  # accepted
    again = await youth.command("privacy")
    for line in lines:
        assert line in again.text


async def test_the_faq_states_the_configured_periods(services: Services) -> None:
    said = await Youth(services).command("faq", "mes données")
    assert said.keys == ["faq.data"]
    assert "au plus tard 183 jours après ton dernier échange" in said.text
    assert "41 jours après une inscription pas terminée, 62 jours après un refus" in said.text


async def test_without_the_periods_retention_days_gives_a_youths_three(
    tmp_path: Path, clock: FixedClock
) -> None:
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'd.db'}", MENTORBOT_RETENTION_DAYS="200"
    )
    built = build(settings, clock)
    await upgrade(built.db)
    try:
        notice = await Youth(built).command("start")
    finally:
        await built.close()
    assert "une inscription pas terminée : 200 jours" in notice.text
    assert "ne peut pas t'accompagner : 200 jours" in notice.text
    assert "puis 200 jours après ton dernier échange" in notice.text
    assert "ce que tu écris à l'équipe : 365 jours" in notice.text  # its own default
    assert ": 730 jours." in notice.text
