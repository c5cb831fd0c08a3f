"""`mentorbot youths|mentors|pairs`: lists with filters, show, search, and a pair paused,
resumed, closed and re-paired from the terminal; names typed by people shown as text."""

from __future__ import annotations

import asyncio
import datetime as dtm

import pytest
import time_machine
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import pair_actions, people
from bot.container import Services
from storage.models import AuditLog, MentorProfile, Pairing
from tests.bot.cli.runner import TUESDAY
from tests.bot.cli.typed import NAMES, assert_shown
from tests.fakes.mentoring import make_mentor, make_pair, make_youth

DAY = dtm.timedelta(days=1)


def _app() -> typer.Typer:
    # the groups as `bot/cli/__init__.py` registers them
    app = typer.Typer()
    people.register(app)
    pair_actions.register(app)
    return app


async def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    with time_machine.travel(TUESDAY, tick=False):
        result = await asyncio.to_thread(CliRunner().invoke, _app(), list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


def row(output: str, start: str) -> str:
    return next(line for line in output.splitlines() if line.startswith(f"│ {start} "))


async def test_youths_listed_by_status_region_and_waiting_time(
    services: Services, env: dict[str, str]
) -> None:
    async with services.sessions() as session, session.begin():
        long_wait = await make_youth(session, TUESDAY - 30 * DAY, name="Léa")
        short_wait = await make_youth(session, TUESDAY - 3 * DAY, name="Sami")
        refused = await make_youth(session, TUESDAY, name="Paul", decision="not_eligible")
        short_wait.region = "reu"

    out = await run(env, "youths", "list")
    assert "Youths (3)" in out
    assert "waiting" in row(out, f"#{long_wait.id}")
    assert "30" in row(out, f"#{long_wait.id}")
    assert "not eligible" in row(out, f"#{refused.id}")

    out = await run(env, "youths", "list", "--waiting-more-than", "20")
    assert "Youths (1)" in out
    assert f"#{long_wait.id} Léa" in out
    out = await run(env, "youths", "list", "--region", "La Réunion", "--status", "waiting")
    assert "Youths (1)" in out
    assert f"#{short_wait.id} Sami" in out
    out = await run(env, "youths", "list", "--status", "eligible", "--limit", "1")
    assert "1 more: mentorbot youths list --offset 1" in out

    out = await run(env, "youths", "list", "--status", "happy", code=2)
    assert "--status takes one of registered, screening, waiting" in out
    out = await run(env, "youths", "list", "--region", "Atlantis", code=2)
    assert "Unknown region 'Atlantis'" in out


@pytest.mark.parametrize(("name", "expected"), NAMES)
async def test_names_people_typed_are_shown_as_text(
    services: Services, env: dict[str, str], name: str, expected: str
) -> None:
    await make_pair(services, youth_name=name, telegram_id="9001")
    for args in (("youths", "list"), ("youths", "search", name), ("pairs", "list")):
        out = await run(env, *args)
        assert_shown(out, expected)


async def test_mentors_by_status_and_room(services: Services, env: dict[str, str]) -> None:
    await make_pair(services, mentor_slack="UFULL")
    async with services.sessions() as session, session.begin():
        full = await make_mentor(session, TUESDAY, "UFULL")
        profile = await session.get(MentorProfile, full.id)
        assert profile is not None
        profile.capacity = 1
        pending = await make_mentor(session, TUESDAY, "UPEND", name="Yann")
        waiting = await session.get(MentorProfile, pending.id)
        assert waiting is not None
        waiting.status = "pending"

    out = await run(env, "mentors", "list")
    assert "Mentors (2)" in out
    assert "1 / 1" in row(out, f"#{full.id}")
    out = await run(env, "mentors", "list", "--with-room")
    assert f"#{pending.id} Yann" in out
    assert f"#{full.id}" not in out
    out = await run(env, "mentors", "list", "--status", "pending")
    assert "Mentors (1)" in out
    out = await run(env, "mentors", "search", "yann")
    assert f"#{pending.id} Yann" in out
    out = await run(env, "mentors", "show", "UFULL")
    assert "Their pairs (1)" in out


async def test_pairs_listed_paused_resumed_closed_and_repaired(
    services: Services, env: dict[str, str]
) -> None:
    pairing_id, youth_id, _mentor = await make_pair(services, telegram_id="9002")
    old, _other, _m = await make_pair(services, youth_name="Samir", mentor_slack="UOLD")
    async with services.sessions() as session, session.begin():
        stale = await session.get(Pairing, old)
        assert stale is not None
        stale.started_at = TUESDAY - 30 * DAY  # no first meeting after 30 days: at risk
        second = await make_mentor(session, TUESDAY, "USECOND", name="Marc")

    out = await run(env, "pairs", "list", "--health", "at_risk")
    assert "Pairs (1)" in out
    assert f"#{old}" in out
    out = await run(env, "pairs", "list", "--health", "sunny", code=2)
    assert "--health takes one of silent, at_risk, checkin_due, on_track" in out

    out = await run(env, "pairs", "pause", str(pairing_id), "--by", "Camille")
    assert f"Pair {pairing_id} paused" in out
    out = await run(env, "pairs", "pause", str(pairing_id), "--by", "Camille", code=1)
    assert "is already paused" in out
    out = await run(env, "pairs", "resume", f"#{pairing_id}", "--by", "Camille")
    assert f"Pair {pairing_id} resumed" in out
    out = await run(env, "pairs", "show", str(pairing_id))
    assert "active" in row(out, f"#{pairing_id}")

    out = await run(env, "pairs", "close", str(old), "--reason", "bored", "--by", "C", code=2)
    assert "--reason takes one of job" in out
    out = await run(env, "pairs", "repair", str(pairing_id), "USECOND", "--by", "Camille")
    assert "new pair" in out
    out = await run(env, "pairs", "search", "Marc")
    assert f"#{second.id} Marc" in out
    out = await run(env, "pairs", "close", str(old), "--reason", "lost-contact", "--by", "Camille")
    assert f"Pair {old} closed (lost contact)" in out
    out = await run(env, "pairs", "show", "999", code=1)
    assert "No pair 999." in out
    out = await run(env, "pairs", "pause", "²", "--by", "Camille", code=2)
    assert "A pair id is a number" in out

    async with services.sessions() as session:
        audited = (
            await session.scalars(select(AuditLog.action).where(AuditLog.actor == "staff:Camille"))
        ).all()
        youth_pairs = (
            await session.scalars(select(Pairing).where(Pairing.youth_id == youth_id))
        ).all()
    assert audited == [
        "pairing_paused",
        "pairing_resumed",
        "pairing_closed",
        "pairing_created",
        "pairing_repaired",
        "pairing_closed",
    ]
    assert sorted((p.status, p.close_reason) for p in youth_pairs) == [
        ("active", None),
        ("closed", "mismatch"),
    ]
