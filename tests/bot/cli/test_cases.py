"""`mentorbot cases`: open cases oldest first with their age, taken and resolved by id."""

from __future__ import annotations

import datetime as dtm

from sqlalchemy import select

from bot.container import Services
from conversations.pairs import cases
from storage.models import AuditLog, Case, Delivery
from tests.bot.cli.runner import TUESDAY, run
from tests.fakes.mentoring import make_youth


async def test_cases_lists_takes_and_resolves(services: Services, env: dict[str, str]) -> None:
    async with services.sessions() as session, session.begin():
        ines = await make_youth(session, TUESDAY, name="Inès", telegram_id="5550001")
        samir = await make_youth(session, TUESDAY, name="Samir", telegram_id="5550002")
        older = await cases.open_case(
            session,
            kind="human",
            person_id=samir.id,
            pairing_id=None,
            text="Rappelez-moi\x1b[31m [bold]",
            now=TUESDAY - dtm.timedelta(days=2, hours=3),
            config=services.config,
        )
        newer = await cases.open_case(
            session,
            kind="human",
            person_id=ines.id,
            pairing_id=None,
            text=None,
            now=TUESDAY - dtm.timedelta(hours=1),
            config=services.config,
        )

    out = await run(env, "cases")
    assert "Open cases (2)" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"│ #{older.id} "))
    second = next(i for i, line in enumerate(lines) if line.startswith(f"│ #{newer.id} "))
    assert first < second  # oldest first
    assert "2d 3h" in lines[first]
    assert f"#{samir.id} Samir" in lines[first]
    assert "1h 0m" in lines[second]
    assert f"#{ines.id} Inès" in lines[second]
    assert "Rappelez-moi␛[31m [bold]" in out

    out = await run(env, "cases", "take", str(older.id), "--by", "USTAFF1")
    assert f"Case {older.id} taken by USTAFF1." in out
    out = await run(env, "cases", "take", str(older.id), "--by", "USTAFF2", code=1)
    assert f"Case {older.id} is already taken by USTAFF1." in out
    out = await run(env, "cases")
    assert "USTAFF1" in out
    out = await run(env, "cases", "resolve", str(older.id), "--by", "USTAFF1")
    assert f"Case {older.id} resolved." in out
    out = await run(env, "cases")
    assert "Open cases (1)" in out
    out = await run(env, "cases", "resolve", "999", "--by", "USTAFF1", code=1)
    assert "No case 999." in out
    out = await run(env, "cases", "take", str(newer.id), "--by", "Camille", code=2)
    assert "Slack user id" in out

    async with services.sessions() as session:
        audited = (await session.scalars(select(AuditLog.action))).all()
        told = (await session.scalars(select(Delivery.template))).all()
        stored = await session.get(Case, older.id)
    assert stored is not None
    assert stored.state == "resolved"
    assert audited == ["case_taken", "case_resolved"]
    assert told.count("human.case_taken") == 1
