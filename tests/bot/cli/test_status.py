"""`mentorbot status`: who waits and who cannot be reached, shown as typed."""

from __future__ import annotations

import datetime as dtm

import pytest

from bot.container import Services
from storage import outbox
from storage.models import Delivery
from tests.bot.cli.runner import TUESDAY, run
from tests.bot.cli.typed import NAMES, assert_shown
from tests.fakes.mentoring import make_youth

A_MONTH_AGO = TUESDAY - dtm.timedelta(days=30)


@pytest.mark.parametrize(("typed", "shown"), NAMES)
async def test_status_shows_an_unpaired_youth_as_typed(
    services: Services, env: dict[str, str], typed: str, shown: str
) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, A_MONTH_AGO, name=typed)

    out = await run(env, "status", "--unpaired")

    assert "waiting for a mentor for more than 20 days: 1" in out
    assert f"  youth #{youth.id} {shown} (-), eligible for 30 days" in out.splitlines()
    assert_shown(out, shown)


@pytest.mark.parametrize(("typed", "shown"), NAMES)
async def test_status_shows_an_unreachable_youth_as_typed(
    services: Services, env: dict[str, str], typed: str, shown: str
) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, A_MONTH_AGO, name=typed)
        youth.unreachable_at = A_MONTH_AGO

    out = await run(env, "status")

    assert "Unreachable people (blocked the bot...): 1" in out
    assert f"  youth {youth.id} {shown} since 2026-10-04" in out.splitlines()
    assert_shown(out, shown)


async def test_status_shows_a_doubtful_delivery_as_text(
    services: Services, env: dict[str, str]
) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, name="Inès")
        queued = await outbox.enqueue(
            session,
            key="test:doubt",
            person_id=youth.id,
            channel="telegram",
            template="review.decided_eligible",
            context={},
            now=TUESDAY,
        )
        delivery = await session.get(Delivery, queued)
        assert delivery is not None
        outbox.mark_in_doubt(delivery, "timed out [link=http://evil.example]Open[/link]\x1b[2J")

    out = await run(env, "status")

    assert "In doubt" in out
    assert "timed out [link=http://evil.example]Open[/link]␛[2J" in out
    assert "\x1b" not in out
