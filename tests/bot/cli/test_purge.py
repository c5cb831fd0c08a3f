"""`mentorbot purge`: a dry run lists exactly what the real run then removes, nothing else
is touched, and the run is in the audit log (counts only)."""

from __future__ import annotations

import asyncio
import datetime as dtm

import time_machine
import typer
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from bot.cli import purge as purge_cli
from bot.container import Services
from conversations.core.clock import FixedClock
from conversations.pairs.cases import open_case
from conversations.pairs.lifecycle import change_status
from storage import applications, audit
from storage.cases import resolve
from storage.models import AuditLog, Case, CloseReason, Pairing, PairingStatus, Person
from tests.bot.cli.runner import TUESDAY
from tests.fakes.mentoring import make_pair, make_youth

DAY = dtm.timedelta(days=1)
LONG_AGO = TUESDAY - 400 * DAY  # past the default 365 days


def purge_app() -> typer.Typer:
    """The command as `bot.cli` registers it."""
    app = typer.Typer()
    app.callback()(lambda: None)
    purge_cli.register(app)
    return app


async def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    with time_machine.travel(TUESDAY, tick=False):
        result = await asyncio.to_thread(CliRunner().invoke, purge_app(), ["purge", *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


async def _youth(services: Services, name: str, decision: str | None) -> int:
    async with services.sessions() as session, session.begin():
        youth = await make_youth(session, services.clock.now(), name=name)
        latest = await applications.latest(session, youth.id)
        assert latest is not None
        if decision is None:
            latest.status, latest.decision, latest.decided_at = "in_progress", None, None
        else:
            latest.decision = decision
        return youth.id


async def seed(services: Services, clock: FixedClock) -> dict[str, int]:
    """Data past its period and data still kept, side by side."""
    clock.set(LONG_AGO)
    ids = {
        "unfinished": await _youth(services, "Brouillon", None),
        "refused": await _youth(services, "Refus", "not_eligible"),
        "waiting": await _youth(services, "Attend", "eligible"),
    }
    pairing_id, ids["closed"], ids["mentor"] = await make_pair(services, youth_name="Fini")
    async with services.sessions() as session, session.begin():
        pairing = await session.get(Pairing, pairing_id)
        assert pairing is not None
        change_status(
            pairing,
            PairingStatus.CLOSED,
            now=clock.now(),
            config=services.config,
            reason=CloseReason.JOB,
        )
        case = await open_case(
            session,
            kind="human",
            person_id=ids["waiting"],
            pairing_id=None,
            text="Ma question d'il y a longtemps",
            now=clock.now(),
            config=services.config,
        )
        resolve(case, by="USTAFF1", now=clock.now())
        ids["case"] = case.id
        await audit.record(
            session, actor="staff:USTAFF1", action="case_taken", now=TUESDAY - 800 * DAY
        )
    clock.set(TUESDAY - DAY)
    ids["recent"] = await _youth(services, "Nouvelle", None)
    return ids


Row = frozenset[tuple[str, str]]


def _dump(connection: Connection) -> dict[str, set[Row]]:
    """Every row of every table, as (column, value) pairs."""
    return {
        table: {
            frozenset((column, str(value)) for column, value in row.items())
            for row in connection.execute(text(f'SELECT * FROM "{table}"')).mappings()  # noqa: S608
        }
        for table in inspect(connection).get_table_names()
    }


async def dump(services: Services) -> dict[str, set[Row]]:
    async with services.db.connect() as connection:
        return await connection.run_sync(_dump)


def of(rows: set[Row], column: str, values: set[int]) -> set[Row]:
    """The rows whose `column` is one of `values`."""
    return {row for row in rows if dict(row).get(column) in {str(v) for v in values}}


def rows(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("│")]


def row_of(out: str, label: str) -> list[str]:
    line = next(line for line in out.splitlines() if label in line)
    return [cell.strip() for cell in line.split("│")[1:-1]]


async def test_a_dry_run_lists_exactly_what_the_run_removes_and_nothing_else(
    services: Services, clock: FixedClock, env: dict[str, str]
) -> None:
    ids = await seed(services, clock)
    before = await dump(services)

    listed = await run(env, "--dry-run", "--by", "UCLAIRE")

    assert await dump(services) == before  # a dry run changes nothing, not even the log
    assert "Would go now (5)" in listed
    assert row_of(listed, "Registrations left unfinished") == [
        "Registrations left unfinished",
        "365 days",
        "1",
        f"#{ids['unfinished']}",
    ]
    assert row_of(listed, "Refused applications")[2:] == ["1", f"#{ids['refused']}"]
    assert row_of(listed, "Mentorings closed")[2:] == ["1", f"#{ids['closed']}"]
    assert row_of(listed, "Texts of resolved cases")[2:] == ["1", f"case #{ids['case']}"]
    assert row_of(listed, "Messages in those cases' threads")[2] == "0"  # never sent
    assert row_of(listed, "Audit entries")[1:3] == ["730 days", "1"]
    assert "Dry run: nothing was changed" in listed

    done = await run(env, "--by", "UCLAIRE")

    assert "Removed (5)" in done
    assert rows(done) == rows(listed)  # what was listed, and only that, went
    async with services.sessions() as session:
        everyone = {p.id: p for p in (await session.scalars(select(Person))).all()}
        case = await session.get(Case, ids["case"])
        entries = (await session.scalars(select(AuditLog).where(AuditLog.at >= TUESDAY))).all()
    assert {pid for pid, p in everyone.items() if p.erased_at is not None} == {
        ids["unfinished"],
        ids["refused"],
        ids["closed"],
    }
    assert case is not None
    assert case.text is None
    assert everyone[ids["waiting"]].display_name == "Attend"
    assert everyone[ids["recent"]].display_name == "Nouvelle"
    assert everyone[ids["mentor"]].display_name == "Claire"
    erasures = [e for e in entries if e.action == "erasure"]
    assert sorted(e.subject_person_id or 0 for e in erasures) == sorted(
        [ids["unfinished"], ids["refused"], ids["closed"]]
    )
    [run_entry] = [e for e in entries if e.action == "retention_purge"]
    assert run_entry.actor == "staff:UCLAIRE"
    assert run_entry.detail == {
        "unfinished": 1,
        "refused": 1,
        "closed": 1,
        "cases": 1,
        "case_messages": 0,
        "requests": 0,
        "audit": 1,
    }
    # rows of anything not listed are as they were
    after = await dump(services)
    kept = {ids["waiting"], ids["recent"], ids["mentor"]}
    for table, column in (
        ("person", "id"),
        ("identity", "person_id"),
        ("application", "person_id"),
        ("mentor_profile", "person_id"),
    ):
        assert of(before[table], column, kept) <= after[table], table
    assert before["pairing"] == after["pairing"]
    gone = {row for row in before["audit_log"] if dict(row)["action"] == "case_taken"}
    assert before["audit_log"] - gone <= after["audit_log"]

    again = await run(env, "--dry-run", "--by", "UCLAIRE")
    assert "Would go now (0)" in again


async def test_a_run_with_nothing_to_remove_is_logged_too(
    services: Services, env: dict[str, str]
) -> None:
    out = await run(env, "--by", "UCLAIRE")

    assert "Removed (0)" in out
    async with services.sessions() as session:
        [entry] = (
            await session.scalars(select(AuditLog).where(AuditLog.action == "retention_purge"))
        ).all()
    assert entry.actor == "staff:UCLAIRE"
    assert set(entry.detail.values()) == {0}


async def test_by_is_required_and_checked(services: Services, env: dict[str, str]) -> None:
    assert "--by" in await run(env, "--dry-run", code=2)
    assert "--by takes your Slack user id" in await run(env, "--by", "   ", code=2)
    assert "at most 100 characters" in await run(env, "--by", "U" * 101, code=2)
    async with services.sessions() as session:
        assert (await session.scalars(select(AuditLog))).all() == []
