"""`mentorbot export`: the funders' CSV files, small cells withheld with their complements,
no identifiers, no formula; audit-logged."""

from __future__ import annotations

import asyncio
import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import export as export_cli
from bot.container import Services
from storage.models import Application, AuditLog, Person
from tests.bot.cli.runner import TUESDAY
from tests.fakes.programme import seed_programme

MONTHS = [f"2025-{month:02d}" for month in (11, 12)] + [f"2026-{m:02d}" for m in range(1, 11)]
FILES = ["registrations.csv", "screened.csv", "eligible.csv", "paired.csv", "exits.csv"]


def export_app() -> typer.Typer:
    """The command as `bot.cli` registers it (a group, so `export` is typed as in a shell)."""
    app = typer.Typer()
    app.callback()(lambda: None)
    export_cli.register(app)
    return app


async def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    with time_machine.travel(TUESDAY, tick=False):
        result = await asyncio.to_thread(
            CliRunner().invoke, export_app(), ["export", *args], env=env
        )
    assert result.exit_code == code, result.output
    return result.output


def read(path: Path) -> list[list[str]]:
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as source:
        return list(csv.reader(source))


async def registrations(services: Services, region: str, month: int, count: int) -> None:
    """`count` youths of `region` registered on the 5th of `month` 2026."""
    started = datetime(2026, month, 5, 9, 0, tzinfo=UTC)
    async with services.sessions() as session, session.begin():
        for number in range(count):
            person = Person(
                role="youth",
                display_name=f"Youth{region}{month}n{number}",
                locale="fr",
                created_at=started,
                region=region,
            )
            session.add(person)
            await session.flush()
            session.add(
                Application(
                    person_id=person.id,
                    status="in_progress",
                    answers={"email": f"y{person.id}@mail.example"},
                    reasons=[],
                    region=region,
                    started_at=started,
                )
            )


async def test_small_cells_and_their_complements_are_withheld(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    await registrations(services, "idf", 9, 12)
    await registrations(services, "idf", 10, 30)
    await registrations(services, "ara", 9, 25)
    await registrations(services, "ara", 10, 4)
    await registrations(services, "occ", 10, 15)
    directory = tmp_path / "funders" / "2026-10"  # made, parents too

    out = await run(env, str(directory), "--by", "USTAFF1")

    assert "5 files for 2025-11 to 2026-10 written to" in out
    assert sorted(p.name for p in directory.iterdir()) == sorted(FILES)
    lines = read(directory / "registrations.csv")
    assert lines[0] == ["region", *MONTHS, "total"]
    quiet = ["0"] * 10  # November 2025 to August 2026
    assert lines[1:] == [
        # 4 is small; the cheapest way to protect it: ara's total, occ's total and October
        ["ara", *quiet, "25", "<10", "<10"],
        ["idf", *quiet, "12", "30", "42"],
        ["occ", *quiet, "0", "<10", "<10"],
        ["total", *quiet, "37", "49", "86"],
    ]
    # no one empty-handed: what nobody did is a table of zeros, with its totals
    assert read(directory / "paired.csv")[1:] == [["total", *["0"] * 12, "0"]]
    assert read(directory / "exits.csv") == [["region", "total"], ["total", "0"]]

    async with services.sessions() as session:
        logged = (await session.scalars(select(AuditLog))).all()
    assert [(e.actor, e.action, e.detail) for e in logged] == [
        ("staff:USTAFF1", "export", {"files": FILES, "month": "2026-10"})
    ]


async def test_an_export_where_every_cell_is_small_gives_no_identifier(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    async with services.sessions() as session, session.begin():
        await seed_programme(session)
        names = [
            name for name in (await session.scalars(select(Person.display_name))).all() if name
        ]

    await run(env, str(tmp_path), "--month", "2026-10", "--by", "USTAFF1")

    for name in FILES:
        lines = read(tmp_path / name)
        text = (tmp_path / name).read_text(encoding="utf-8-sig")
        assert lines[0][0] == "region"
        assert lines[0][-1] == "total"
        for person in names:
            assert person not in text
        figures = [cell for line in lines[1:] for cell in line[1:]]
        # nothing of 1 to 9 people published: every such figure shows "<10"
        assert all(cell in ("0", "<10") or int(cell) >= 10 for cell in figures), name
    registrations = read(tmp_path / "registrations.csv")
    assert [line[0] for line in registrations[1:]] == ["ara", "idf", "total"]
    september, october = registrations[1][-3:-1], registrations[2][-3:-1]
    assert september == ["<10", "<10"]
    assert october == ["<10", "<10"]
    assert registrations[-1][-1] == "<10"  # 9 youths in all


async def test_a_region_that_looks_like_a_formula_is_neutralised(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    await registrations(services, "=cmd|'/c calc'!a0", 10, 12)
    await registrations(services, "+idf", 10, 10)

    await run(env, str(tmp_path), "--by", "USTAFF1")

    rows = [line[0] for line in read(tmp_path / "registrations.csv")[1:]]
    assert rows == ["'+idf", "'=cmd|'/c calc'!a0", "total"]


@pytest.mark.parametrize("month", ["2026-13", "10/2026", "last"])
async def test_a_bad_month_is_refused(
    services: Services, env: dict[str, str], tmp_path: Path, month: str
) -> None:
    out = await run(env, str(tmp_path / "out"), "--month", month, "--by", "USTAFF1", code=2)

    assert f"Not a month: {month!r}" in out
    assert not (tmp_path / "out").exists()


async def test_a_directory_that_cannot_be_written(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    taken = tmp_path / "a-file"
    taken.write_text("")
    blocked = tmp_path / "blocked"
    (blocked / "registrations.csv").mkdir(parents=True)  # a file that cannot be replaced

    out = await run(env, str(taken), "--by", "USTAFF1", code=2)
    assert "is a file, not a directory" in out
    out = await run(env, str(taken / "below"), "--by", "USTAFF1", code=2)
    assert "Cannot create" in out
    out = await run(env, str(blocked), "--by", "USTAFF1", code=2)
    assert "Cannot write in" in out
    assert [p.name for p in blocked.iterdir()] == ["registrations.csv"]  # no partial file
    async with services.sessions() as session:
        assert (await session.scalars(select(AuditLog))).all() == []


async def test_the_audit_author_is_required(env: dict[str, str], tmp_path: Path) -> None:
    out = await run(env, str(tmp_path), code=2)

    assert "--by" in out
