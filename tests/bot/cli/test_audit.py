"""`mentorbot audit`: who did what and when, newest first, filtered, as a table or CSV."""

from __future__ import annotations

import asyncio
import csv
import datetime as dtm
import json
from pathlib import Path

import pytest
import time_machine
import typer
from typer.testing import CliRunner

from bot.cli import audit as audit_cli
from bot.container import Services
from storage import audit
from tests.bot.cli.runner import TUESDAY
from tests.bot.cli.typed import NAMES, assert_shown

DAY = dtm.timedelta(days=1)


def audit_app() -> typer.Typer:
    """The command as `bot.cli` registers it (a group, so `audit` is typed as in a shell)."""
    app = typer.Typer()
    app.callback()(lambda: None)
    audit_cli.register(app)
    return app


async def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    with time_machine.travel(TUESDAY, tick=False):
        result = await asyncio.to_thread(CliRunner().invoke, audit_app(), ["audit", *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


async def seed(services: Services) -> None:
    async with services.sessions() as session, session.begin():
        await audit.record(
            session,
            actor="staff:UCLAIRE",
            action="pairing_created",
            now=TUESDAY - 3 * DAY,
            subject_person_id=12,
            detail={"pairing": 4, "mentor": 7},
        )
        await audit.record(
            session,
            actor="staff:USTAFF1",
            action="case_taken",
            now=TUESDAY - 2 * DAY,
            detail={"case": 9},
        )
        await audit.record(
            session,
            actor="system",
            action="rules_file",
            now=TUESDAY - DAY,
            detail={"file": "eligibility.toml", "sha256": "ab12", "previous": None},
        )


def rows_of(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("│ 2026-")]


async def test_newest_first_with_who_what_and_when(services: Services, env: dict[str, str]) -> None:
    await seed(services)

    out = await run(env)

    assert "Audit log, newest first (3)" in out
    rows = rows_of(out)
    assert [row.split("│")[3].strip() for row in rows] == [
        "rules_file",
        "case_taken",
        "pairing_created",
    ]
    # in the programme's time zone (Paris, UTC+1 in November)
    assert rows[2].startswith("│ 2026-10-31 10:00 │ staff:UCLAIRE")
    assert "#12" in rows[2]
    assert "mentor=7, pairing=4" in rows[2]
    assert "file=eligibility.toml, previous=null, sha256=ab12" in rows[0]


async def test_filters(services: Services, env: dict[str, str]) -> None:
    await seed(services)

    by_actor = rows_of(await run(env, "--actor", "ustaff1"))
    by_kind = rows_of(await run(env, "--kind", "pairing_created"))
    since = rows_of(await run(env, "--since", "2026-11-01"))
    since_time = rows_of(await run(env, "--since", "2026-11-02 10:00"))
    both = rows_of(await run(env, "--since", "2026-11-01", "--actor", "UCLAIRE"))

    assert [len(found) for found in (by_actor, by_kind, since, since_time, both)] == [
        1,
        1,
        2,
        1,
        0,
    ]
    assert "case_taken" in by_actor[0]
    assert "UCLAIRE" in by_kind[0]
    assert "rules_file" in since_time[0]


async def test_a_limit_says_there_is_more(services: Services, env: dict[str, str]) -> None:
    await seed(services)

    out = await run(env, "--limit", "2")

    assert "Audit log, newest first (2+)" in out
    assert len(rows_of(out)) == 2
    assert "--limit 4 for more" in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--since", "last week"), "Not a date: 'last week'"),
        (("--since", "2026-13-01"), "Not a date"),
        (("--limit", "0"), "greater than or equal to 1"),
    ],
)
async def test_bad_options(
    services: Services, env: dict[str, str], args: tuple[str, ...], said: str
) -> None:
    out = await run(env, *args, code=2)

    assert said in out


@pytest.mark.parametrize(("typed", "shown"), NAMES)
async def test_typed_text_is_shown_as_text(
    services: Services, env: dict[str, str], typed: str, shown: str
) -> None:
    async with services.sessions() as session, session.begin():
        await audit.record(
            session, actor=typed, action="review_decision", now=TUESDAY, detail={"note": typed}
        )

    out = await run(env)

    assert_shown(out, shown)
    assert out.count(shown) == 2  # the actor, and the detail


async def test_csv_has_every_entry_and_runs_no_formula(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    await seed(services)
    async with services.sessions() as session, session.begin():
        await audit.record(
            session,
            actor='=HYPERLINK("http://evil.example")',
            action="export",
            now=TUESDAY,
            detail={"files": ["registrations.csv"], "month": "2026-10"},
        )
    path = tmp_path / "audit.csv"

    out = await run(env, "--csv", str(path))

    assert "4 entries written to" in out
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as source:
        lines = list(csv.reader(source))
    assert lines[0] == list(audit_cli.CSV_COLUMNS)
    assert lines[1][:3] == [
        "2026-11-03T09:00:00+00:00",
        '\'=HYPERLINK("http://evil.example")',
        "export",
    ]
    assert json.loads(lines[1][4]) == {"files": ["registrations.csv"], "month": "2026-10"}
    assert lines[4][1:4] == ["staff:UCLAIRE", "pairing_created", "12"]


async def test_csv_where_it_cannot_be_written(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    out = await run(env, "--csv", str(tmp_path / "missing" / "audit.csv"), code=2)

    assert "Cannot write" in out
