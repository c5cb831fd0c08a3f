"""`mentorbot review`: the applications and requests staff decide on, shown as typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.container import Services
from storage.models import Application, SupportRequest
from tests.bot.cli.runner import TUESDAY, run
from tests.bot.cli.typed import NAMES, assert_shown
from tests.fakes.mentoring import make_youth


@pytest.mark.parametrize(("typed", "shown"), NAMES)
async def test_review_shows_what_a_youth_typed_as_text(
    services: Services, env: dict[str, str], typed: str, shown: str
) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, name=typed, decision="review", field=typed)
        application = await session.scalar(
            select(Application).where(Application.person_id == youth.id)
        )
        assert application is not None
        application.reasons = [typed]
        session.add(
            SupportRequest(
                person_id=youth.id,
                kind="human",
                message=f"{typed}\nRappelez-moi\x1b[31m",
                created_at=TUESDAY,
            )
        )

    out = await run(env, "review")

    assert "Applications to review (1)" in out
    assert "Requests to staff (1)" in out
    lines = out.splitlines()
    application_row = next(line for line in lines if line.startswith(f"│ {application.id} "))
    assert application_row.count(shown) == 3  # name, why, answers
    assert f"field={shown}, region=IDF" in application_row
    assert "Rappelez-moi␛[31m" in out
    assert_shown(out, shown)


async def test_a_request_is_resolved_once(services: Services, env: dict[str, str]) -> None:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, TUESDAY, name="Inès")
        session.add(SupportRequest(person_id=youth.id, kind="human", created_at=TUESDAY))

    out = await run(env, "review", "resolve", "1", "--by", "[/]Camille")
    assert f"Request 1 (#{youth.id} Inès) resolved." in out
    out = await run(env, "review", "resolve", "1", "--by", "Léa", code=1)
    assert "Request 1 was already resolved by [/]Camille." in out
    out = await run(env, "review")
    assert "Requests to staff (0)" in out


async def test_a_verdict_must_be_eligible_or_not(env: dict[str, str]) -> None:
    out = await run(env, "review", "decide", "1", "maybe", "--by", "Camille", code=2)
    assert "Verdict must be eligible or not-eligible, not 'maybe'." in out
