"""`mentorbot report`: the month's figures as tables, the charts as PNG files, the figures
as CSV files (cells neutralised for spreadsheets); a month that is not one, an unknown
region, a month with nothing in it."""

from __future__ import annotations

import asyncio
import csv
import datetime as dtm
from pathlib import Path

import pytest
import time_machine
import typer
from matplotlib.image import imread
from rich.console import Console
from typer.testing import CliRunner

from bot.cli import report
from bot.container import Services
from tests.bot.cli.runner import TUESDAY
from tests.fakes.programme import seed_programme


def _app() -> typer.Typer:
    """`mentorbot` with the report command (as `bot.cli` registers it)."""
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Mentorbot."""

    report.register(app)
    return app


async def run(env: dict[str, str], *args: str, code: int = 0, at: dtm.datetime = TUESDAY) -> str:
    with time_machine.travel(at, tick=False):
        result = await asyncio.to_thread(CliRunner().invoke, _app(), ["report", *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
async def seeded(services: Services) -> Services:
    async with services.sessions() as session, session.begin():
        await seed_programme(session)
    return services


async def test_the_last_full_month_as_tables(seeded: Services, env: dict[str, str]) -> None:
    out = await run(env)
    # see tests/storage/test_figures.py for where each number comes from
    assert "Youths, 2026-10" in out
    lines = out.splitlines()
    assert any("registered" in line and line.rstrip(" │").endswith(" 3") for line in lines)
    assert any("days to pairing, median" in line and "15.0" in line for line in lines)
    assert any("days to pairing, 90th percentile" in line and "20.6" in line for line in lines)
    assert "Active pairs now: 4" in out
    assert "Exits: 2" in out
    assert any("positive (job at diploma level)" in line and "50%" in line for line in lines)
    assert "Youths by month" in out
    assert "Follow-up by month" in out
    assert "2025-11" in out


async def test_charts_and_csv_files(seeded: Services, env: dict[str, str], tmp_path: Path) -> None:
    pictures, sheets = tmp_path / "png", tmp_path / "csv"
    out = await run(env, "--month", "2026-10", "--png", str(pictures), "--csv", str(sheets))
    assert "Chart written" in out
    drawn = sorted(path.name for path in pictures.iterdir())
    assert drawn == sorted(
        f"mentorbot-2026-10-{name}.png"
        for name in ("people", "delay", "health", "followup", "events", "exits")
    )
    assert imread(pictures / "mentorbot-2026-10-people.png").shape[:2] == (560, 1000)
    with (sheets / "figures-2026-10.csv").open(encoding="utf-8-sig", newline="") as file:
        series = list(csv.DictReader(file))
    assert len(series) == 12
    assert series[-1]["month"] == "2026-10"
    assert (series[-1]["registered"], series[-1]["paired"], series[-1]["exits"]) == ("3", "3", "2")
    assert series[-1]["p90_days_to_pairing"] == "20.6"
    with (sheets / "registrations-2026-10.csv").open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0][0] == "region"
    assert rows[0][-1] == "2026-10"
    assert [row[0] for row in rows[1:]] == ["ara", "idf"]
    assert [row[-1] for row in rows[1:]] == ["2", "1"]
    assert (sheets / "exits-2026-10.csv").read_text(encoding="utf-8-sig").splitlines()[0] == (
        "region,gave_up,job"
    )


async def test_a_region(seeded: Services, env: dict[str, str]) -> None:
    out = await run(env, "--month", "2026-10", "--region", "ARA")
    assert "Youths, 2026-10, ara" in out
    assert "Active pairs now: 1" in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--month", "2026-13"), "Not a month: '2026-13'"),
        (("--month", "octobre"), "Not a month: 'octobre'"),
        (("--region", "atlantis"), "No region 'atlantis'"),
    ],
)
async def test_bad_input(
    seeded: Services, env: dict[str, str], args: tuple[str, ...], said: str
) -> None:
    out = await run(env, *args, code=2)
    assert said in out


async def test_a_month_with_nothing_in_it(
    seeded: Services, env: dict[str, str], tmp_path: Path
) -> None:
    out = await run(env, "--month", "2025-03", "--png", str(tmp_path / "png"), code=1)
    assert "Nothing happened in 2025-03: no report." in out
    assert not (tmp_path / "png").exists()


def test_the_month_tables_fit_an_80_column_terminal() -> None:
    narrow = Console(width=80, record=True)
    for table in report._series(()):
        narrow.print(table)
    shown = narrow.export_text()
    assert "…" not in shown  # no header cut short
    assert all(len(line) <= 80 for line in shown.splitlines())
