"""Characters PostgreSQL refuses (NUL) or UTF-8 cannot encode (lone surrogates), in what a
youth types or in their Telegram first name: removed at the adapter boundary, so the youth
gets through the privacy notice like anyone else, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from sqlalchemy import select

from bot.container import Services, build
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel, Incoming, Kind
from handlers.text import storable, storable_incoming
from storage.database import upgrade
from storage.models import Application, Person
from tests.conftest import make_settings
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_fixtures import RunningBot, Youth, running_bot


@pytest.fixture
async def services_on_any(any_database_url: str, clock: FixedClock) -> AsyncIterator[Services]:
    built = build(make_settings(any_database_url), clock)
    await upgrade(built.db)
    yield built
    await built.close()


@pytest.fixture
async def any_telegram(api: FakeBotApi, services_on_any: Services) -> AsyncIterator[RunningBot]:
    async with running_bot(api, services_on_any) as running:
        yield running


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("Inès", "Inès"),
        ("In\x00ès", "Inès"),
        ("\x00\x00", ""),
        ("a\ud800b\udfffc", "abc"),
        ("😀 ok", "😀 ok"),  # a character outside the BMP is no lone surrogate
        ("tab\tnew\nline", "tab\tnew\nline"),
    ],
)
def test_storable_removes_nul_and_lone_surrogates_only(raw: str, kept: str) -> None:
    assert storable(raw) == kept


def test_every_string_of_an_incoming_is_made_storable() -> None:
    incoming = Incoming(
        Channel.SLACK,
        "U\x001",
        Kind.FORM,
        text="t\x00",
        command="c\x00",
        args="a\ud800",
        choice="x\x00",
        event_id="e\x00",
        chat_id="1\x00",
        language_code="fr\x00",
        display_name="N\x00",
        form="f\x00",
        answers={"note": "n\x00", "topics": ["cv\x00"], "when": date(2026, 1, 5), "flag": True},
        metadata={"pair\x00": "1\x00"},
        trigger_id="tr\x00",
        thread="th\x00",
    )
    clean = storable_incoming(incoming)
    assert clean == Incoming(
        Channel.SLACK,
        "U1",
        Kind.FORM,
        text="t",
        command="c",
        args="a",
        choice="x",
        event_id="e",
        chat_id="1",
        language_code="fr",
        display_name="N",
        form="f",
        answers={"note": "n", "topics": ["cv"], "when": date(2026, 1, 5), "flag": True},
        metadata={"pair": "1"},
        trigger_id="tr",
        thread="th",
    )


async def test_a_youth_with_nul_in_name_and_text_gets_through_the_privacy_notice(
    any_telegram: RunningBot,
) -> None:
    api = any_telegram.api
    youth = Youth(any_telegram, first_name="In\x00ès\ud800")
    said = await youth.says("bonjour\x00")
    assert "Tu acceptes ?" in said
    said = await youth.presses("J'accepte")
    assert "Merci Inès !" in said
    assert "Question 1/8 — Ton diplôme le plus élevé ?" in said
    assert "Ta date de naissance" in await youth.presses("Bac+5")
    assert "quartier prioritaire" in await youth.says("12/03/2001\x00")
    assert all(call.ok for call in api.requests), "Telegram refused a request"
    services = any_telegram.services
    async with services.sessions() as session:
        person = (await session.execute(select(Person))).scalar_one()
        application = (await session.execute(select(Application))).scalar_one()
    assert person.display_name == "Inès"
    assert application.answers == {"diploma": "bac5", "birth_date": "2001-03-12"}
