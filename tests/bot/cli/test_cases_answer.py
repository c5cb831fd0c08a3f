"""`mentorbot cases`: yours and nobody's, who each case is about (an alert names its pair),
ids typed `12` or `#12`, and `answer`, which reaches the person as a thread reply would and
shows the answer in the case's thread."""

from __future__ import annotations

import datetime as dtm

from sqlalchemy import select

from bot.container import Services
from conversations.pairs import cases
from storage import threads
from storage.models import AuditLog, Case, Delivery
from tests.bot.cli.runner import TUESDAY, run
from tests.fakes.mentoring import make_mentor, make_youth
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.telegram_api import FakeBotApi


async def _cases(services: Services) -> tuple[Case, Case, Case]:
    async with services.sessions() as session, session.begin():
        ines = await make_youth(session, TUESDAY, name="Inès", telegram_id="5550001")
        samir = await make_youth(session, TUESDAY, name="Samir", telegram_id="5550002")
        mentor = await make_mentor(session, TUESDAY, "UCLAIRE")
        from_ines = await cases.open_case(
            session,
            kind="human",
            person_id=ines.id,
            pairing_id=None,
            text="Rappelez-moi",
            now=TUESDAY - dtm.timedelta(days=3, hours=1),
            config=services.config,
        )
        from_mentor = await cases.open_case(
            session,
            kind="human",
            person_id=mentor.id,
            pairing_id=None,
            text="Une question",
            now=TUESDAY - dtm.timedelta(days=1),
            config=services.config,
        )
        from_samir = await cases.open_case(
            session,
            kind="human",
            person_id=samir.id,
            pairing_id=None,
            text=None,
            now=TUESDAY - dtm.timedelta(hours=2),
            config=services.config,
        )
        # the case's post is out: its thread is recorded
        await threads.record(
            session,
            channel="slack",
            chat_id="CSTAFF",
            ts="1700000000.000100",
            case_id=from_ines.id,
            now=TUESDAY,
        )
        return from_ines, from_mentor, from_samir


async def test_mine_unassigned_and_ids_with_a_hash(services: Services, env: dict[str, str]) -> None:
    from_ines, from_mentor, from_samir = await _cases(services)
    await run(env, "cases", "take", f"#{from_mentor.id}", "--by", "USTAFF1")
    out = await run(env, "cases", "--mine", "--by", "USTAFF1")
    assert "Open cases, yours (1)" in out
    assert f"#{from_mentor.id}" in out
    assert "Claire" in out
    out = await run(env, "cases", "--unassigned")
    assert "Open cases, unassigned (2)" in out
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith(f"│ #{from_ines.id} "))
    second = next(i for i, line in enumerate(lines) if line.startswith(f"│ #{from_samir.id} "))
    assert first < second  # oldest first
    assert "3d 1h" in lines[first]
    await run(env, "cases", "--mine", code=2)
    await run(env, "cases", "take", "douze", "--by", "USTAFF1", code=2)


async def test_answer_reaches_the_person_and_shows_in_the_thread(
    services: Services, env: dict[str, str], stand_ins: tuple[FakeBotApi, FakeSlackApi]
) -> None:
    telegram, slack = stand_ins
    from_ines, _, _ = await _cases(services)
    out = await run(
        env,
        "cases",
        "answer",
        f"#{from_ines.id}",
        "Bonjour Inès, je vous appelle demain.",
        "--by",
        "USTAFF1",
    )
    assert f"Answer to case {from_ines.id} queued for Inès (telegram)." in out
    # sent at once: on Telegram to the youth, in the case's thread for the channel
    [to_youth] = telegram.texts("5550001")
    assert "Bonjour Inès, je vous appelle demain." in to_youth
    [in_thread] = [m for m in slack.messages("CSTAFF") if m.get("thread_ts")]
    assert in_thread["thread_ts"] == "1700000000.000100"
    assert "Bonjour Inès, je vous appelle demain." in str(in_thread["text"])
    async with services.sessions() as session:
        stored = await session.get(Case, from_ines.id)
        contexts = (await session.scalars(select(Delivery.context))).all()
        actions = (await session.scalars(select(AuditLog.action))).all()
    assert stored is not None
    assert (stored.state, stored.owner) == ("taken", "USTAFF1")
    # delivered: the text is not kept
    assert all("je vous appelle demain" not in str(context) for context in contexts)
    assert [a for a in actions if a.startswith("case_")] == ["case_taken", "case_answered"]


async def test_answer_refusals(services: Services, env: dict[str, str]) -> None:
    from_ines, _, _ = await _cases(services)
    out = await run(env, "cases", "answer", "999", "Bonjour", "--by", "USTAFF1", code=1)
    assert "No case 999." in out
    out = await run(env, "cases", "answer", str(from_ines.id), "  ", "--by", "USTAFF1", code=2)
    assert "empty" in out
    out = await run(env, "cases", "answer", str(from_ines.id), "Bonjour", "--by", "Camille", code=2)
    assert "Slack user id" in out


async def test_an_answer_that_cannot_reach_the_person_is_said_in_the_case_s_thread(
    services: Services, env: dict[str, str], stand_ins: tuple[FakeBotApi, FakeSlackApi]
) -> None:
    telegram, slack = stand_ins
    from_ines, _, _ = await _cases(services)
    telegram.block("5550001")  # Inès blocked the bot since
    await run(env, "cases", "answer", str(from_ines.id), "Bonjour Inès.", "--by", "USTAFF1")
    assert telegram.texts("5550001") == []
    in_thread = [
        str(m["text"])
        for m in slack.messages("CSTAFF")
        if m.get("thread_ts") == "1700000000.000100"
    ]
    assert any("Bonjour Inès." in text for text in in_thread)  # what was answered
    [warning] = [text for text in in_thread if "pas arrivée" in text]
    assert "bloqué le bot sur Telegram" in warning
    assert f"demande n°{from_ines.id} reste ouverte" in warning
    async with services.sessions() as session:
        stored = await session.get(Case, from_ines.id)
    assert stored is not None
    assert stored.state != "resolved"
