"""`mentorbot import mentors|youths FILE`: a partner's 5,000-row file with 20 bad rows, as
staff run it: what is imported, what is reported (line and reason), a re-import changing
nothing, a dry run writing nothing, a failure in the middle leaving nothing, and the
personal links of imported youths."""

from __future__ import annotations

import asyncio
import csv
import datetime as dtm
import re
from pathlib import Path

import time_machine
import typer
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from bot.cli import imports
from bot.container import Services
from storage.models import (
    Application,
    AuditLog,
    Identity,
    Invite,
    MentorProfile,
    Person,
)
from tests.bot.cli.runner import TUESDAY

ROWS = 5000
# the 20 bad rows: (line as the spreadsheet shows it, what makes it bad)
BAD = {
    line: kind
    for line, kind in zip(
        range(101, 5001, 245),
        [
            "bad_email",
            "unknown_region",
            "bad_capacity",
            "formula",
            "duplicate_in_file",
        ]
        * 4,
        strict=False,
    )
}


def cli_app() -> typer.Typer:
    app = typer.Typer()
    imports.register(app)
    return app


async def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    """`mentorbot import ...` on Tuesday 3 November 2026 (in a thread: it calls asyncio.run)."""
    with time_machine.travel(TUESDAY, tick=False):
        result = await asyncio.to_thread(CliRunner().invoke, cli_app(), ["import", *args], env=env)
    assert result.exit_code == code, result.output
    return result.output


def mentor_file(path: Path) -> Path:
    lines = ["Courriel;Prénom;Entreprise;Région;Capacité;Langues;À distance;Slack"]
    for line in range(2, ROWS + 2):
        n = line - 2
        email, region, capacity, name = f"mentor{n}@acme.example", "idf", "2", "Hélène"
        kind = BAD.get(line)
        if kind == "bad_email":
            email = f"mentor{n}@acme"
        elif kind == "unknown_region":
            region = "Atlantide"
        elif kind == "bad_capacity":
            capacity = "0"
        elif kind == "formula":
            name = '"=HYPERLINK(""http://evil.example"")"'
        elif kind == "duplicate_in_file":
            email = "mentor0@acme.example"
        slack = f"UM{n:06d}" if n % 2 else ""
        lines.append(f"{email};{name};Société {n};{region};{capacity};fr, en;oui;{slack}")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def youth_file(path: Path) -> Path:
    lines = ["email,first_name,birth_date,region,diploma,field,source"]
    for line in range(2, ROWS + 2):
        n = line - 2
        email, birth, region = f"youth{n}@example.fr", "12/03/2001", "Lyon"
        kind = BAD.get(line)
        if kind == "bad_email":
            email = "not an email"
        elif kind == "unknown_region":
            region = "Atlantide"
        elif kind == "bad_capacity":
            birth = "31/02/2001"
        elif kind == "formula":
            region = "=1+1"
        elif kind == "duplicate_in_file":
            email = "YOUTH0@example.fr"
        lines.append(f"{email},Inès,{birth},{region},Bac+5,Data,ml69")
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


async def count(services: Services, model: type) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def rejected_lines(out: str) -> list[int]:
    return [int(number) for number in re.findall(r"^│ (\d+) ", out, re.MULTILINE)]


async def test_5000_mentors_with_20_bad_rows_then_a_re_import_changing_nothing(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    source = mentor_file(tmp_path / "mentors.csv")
    rejects = tmp_path / "rejects.csv"

    out = await run(env, "mentors", str(source), "--by", "Camille", "--rejects", str(rejects))

    assert "Mentors: 4980 imported, 0 unchanged, 20 rejected." in out
    assert rejected_lines(out) == sorted(BAD)
    assert "not a valid email address: “mentor99@acme”." in out
    assert "unknown region: “Atlantide”" in out
    assert "is already further up in the file (line 2)" in out
    assert await count(services, Person) == 4980
    assert await count(services, MentorProfile) == 4980
    assert await count(services, Identity) == 2490  # every other row has a Slack id
    async with services.sessions() as session:
        profile = await session.scalar(select(MentorProfile).order_by(MentorProfile.person_id))
        assert profile is not None
        assert (profile.company, profile.languages, profile.status) == (
            "Société 0",
            ["fr", "en"],
            "active",
        )
    with rejects.open(encoding="utf-8-sig", newline="") as written:
        rows = list(csv.reader(written))
    assert rows[0] == ["line", "column", "value", "reason"]
    assert [int(row[0]) for row in rows[1:]] == sorted(BAD)
    formula_line = min(line for line, kind in BAD.items() if kind == "formula")
    formula = next(row for row in rows if row[0] == str(formula_line))
    # the refused formula is written back neutralised: a spreadsheet shows it, runs nothing
    assert formula[1:3] == ["Prénom", '\'=HYPERLINK("http://evil.example")']

    again = await run(env, "mentors", str(source), "--by", "Camille")

    assert "Mentors: 0 imported, 4980 unchanged, 20 rejected." in again
    assert await count(services, Person) == 4980
    async with services.sessions() as session:
        audits = (await session.scalars(select(AuditLog).where(AuditLog.action == "import"))).all()
    assert [a.detail for a in audits] == [
        {"people": "mentors", "imported": 4980, "unchanged": 0, "rejected": 20},
        {"people": "mentors", "imported": 0, "unchanged": 4980, "rejected": 20},
    ]
    assert {a.actor for a in audits} == {"staff:Camille"}


async def test_5000_youths_with_their_personal_links(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    source = youth_file(tmp_path / "youths.csv")
    links = tmp_path / "links.csv"

    out = await run(
        env, "youths", str(source), "--by", "Camille", "--links", str(links), "--lang", "fr"
    )

    assert "Youths: 4980 imported, 0 unchanged, 20 rejected." in out
    assert rejected_lines(out) == sorted(BAD)
    assert "date non reconnue : « 31/02/2001 »" in out
    assert "4980 personal link(s) written" in out
    assert await count(services, Invite) == 4980
    async with services.sessions() as session:
        application = await session.scalar(select(Application).order_by(Application.id))
        assert application is not None
        assert (application.status, application.source) == ("in_progress", "ml69")
        assert application.answers == {
            "birth_date": "2001-03-12",
            "diploma": "bac5",
            "region": "ara",
            "field": "Data",
            "email": "youth0@example.fr",
        }
    with links.open(encoding="utf-8-sig", newline="") as written:
        rows = list(csv.reader(written))
    assert rows[0] == ["line", "email", "first_name", "link"]
    assert len(rows) == 4981
    assert rows[1][:3] == ["2", "youth0@example.fr", "Inès"]
    assert re.fullmatch(
        r"https://t\.me/mentorbot_test_bot\?start=inv-[A-Za-z0-9_-]{32}", rows[1][3]
    )

    # a re-import creates nobody and gives the links not used yet again
    again = await run(env, "youths", str(source), "--by", "Camille", "--links", str(links))
    assert "Youths: 0 imported, 4980 unchanged, 20 rejected." in again
    assert await count(services, Invite) == 4980
    with links.open(encoding="utf-8-sig", newline="") as written:
        assert list(csv.reader(written))[1] == rows[1]


async def test_a_dry_run_writes_nothing(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    source = mentor_file(tmp_path / "mentors.csv")

    out = await run(env, "mentors", str(source), "--by", "Camille", "--dry-run")

    assert "Dry run, mentors: 4980 would be imported, 0 unchanged, 20 rejected." in out
    assert "Nothing was written." in out
    assert await count(services, Person) == 0
    assert await count(services, AuditLog) == 0


async def test_a_failure_in_the_middle_leaves_nothing_imported(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    source = mentor_file(tmp_path / "mentors.csv")
    async with services.db.begin() as connection:
        # the database refuses the 4,500th profile (a later batch than the first ones)
        await connection.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON mentor_profile "
                "WHEN NEW.email = 'mentor4500@acme.example' "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )

    out = await run(env, "mentors", str(source), "--by", "Camille", code=3)

    assert "The import failed and was rolled back: nothing was imported" in out
    assert await count(services, Person) == 0
    assert await count(services, MentorProfile) == 0
    assert await count(services, AuditLog) == 0


async def test_a_missing_column_refuses_the_file(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "youths.csv"
    source.write_text("email;nom\nines@example.fr;Diallo\n", encoding="utf-8")

    out = await run(env, "youths", str(source), "--by", "Camille", code=1)

    assert "Required columns missing: first_name. Nothing was imported." in out
    assert await count(services, Person) == 0


async def test_the_wrong_encoding_declared_says_where(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "mentors.csv"
    source.write_bytes("email;first_name\nhelene@acme.fr;Hélène\n".encode("cp1252"))

    out = await run(env, "mentors", str(source), "--by", "Camille", "--encoding", "utf-8", code=1)

    assert "cannot be read as utf-8: byte 0xE9 on line 2" in out


async def test_what_people_typed_is_shown_as_typed(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    source = tmp_path / "mentors.csv"
    source.write_text("email;first_name\n[red]x[/red]\x1b;Sam\n", encoding="utf-8")

    out = await run(env, "mentors", str(source), "--by", "Camille")

    # the cell is refused for its control character; the column is shown, not rich markup run
    assert "contains a control character" in out
    assert "\x1b" not in out


async def test_links_need_the_bot_username(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    source = youth_file(tmp_path / "youths.csv")
    without_telegram = {key: value for key, value in env.items() if "TELEGRAM" not in key}

    out = await run(
        without_telegram, "youths", str(source), "--by", "Camille", "--links", "x.csv", code=2
    )

    assert "--links needs the bot's username: set TELEGRAM_BOT_USERNAME" in out
    assert await count(services, Person) == 0

    named = {**without_telegram, "TELEGRAM_BOT_USERNAME": "@ProgrammeBot"}
    await run(named, "youths", str(source), "--by", "Camille", "--links", str(tmp_path / "l.csv"))
    assert "https://t.me/ProgrammeBot?start=inv-" in (tmp_path / "l.csv").read_text("utf-8-sig")


def test_the_bad_lines_are_spread_over_the_file() -> None:
    assert len(BAD) == 20
    assert min(BAD) > 2
    assert max(BAD) <= ROWS + 1
    assert dtm.date(2026, 11, 3) == TUESDAY.date()
