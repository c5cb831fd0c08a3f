"""Importing a partner's spreadsheet: 5,000 mentors and 5,000 youths, 20 bad rows each.

For each file: read (decode, headers, every cell checked), checked against the database and
written in one transaction into a fresh SQLite database, as `mentorbot import` does; then
imported again (nothing may change). The reference, measured in the same run on another
fresh database with the same settings: the same rows (people, then their profiles or
applications and invites) inserted with one bare `executemany` per table. Target: the
whole import in well under 10 s; the ratio says what reading and checking cost on top.

    python bench/import_csv.py [--rows 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from conversations.staff import import_plan
from conversations.staff.imports import People, read
from storage.database import create_engine, create_sessions, upgrade
from storage.models import Application, Invite, MentorProfile, Person

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 2)
BAD_ROWS = 20
TARGET_SECONDS = 10.0
# what makes each bad row bad, in turn
BAD_KINDS = ("bad_email", "unknown_region", "bad_value", "formula", "duplicate_in_file")


def bad_lines(rows: int) -> dict[int, str]:
    step = rows // BAD_ROWS
    return {3 + i * step: BAD_KINDS[i % len(BAD_KINDS)] for i in range(BAD_ROWS)}


def mentors_csv(rows: int) -> bytes:
    """A French Excel export: semicolons, Windows-1252, French headers."""
    bad = bad_lines(rows)
    lines = ["Courriel;Prénom;Entreprise;Secteur;Région;Capacité;Langues;À distance;Slack"]
    for line in range(2, rows + 2):
        n = line - 2
        email, name, region, capacity = f"mentor{n}@acme.example", "Hélène", "Lyon", "2"
        kind = bad.get(line)
        if kind == "bad_email":
            email = f"mentor{n}@acme"
        elif kind == "unknown_region":
            region = "Atlantide"
        elif kind == "bad_value":
            capacity = "beaucoup"
        elif kind == "formula":
            name = "=HYPERLINK(1)"
        elif kind == "duplicate_in_file":
            email = "mentor0@acme.example"
        slack = f"UM{n:06d}" if n % 2 else ""
        lines.append(f"{email};{name};Société {n};Banque;{region};{capacity};fr, en;oui;{slack}")
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def youths_csv(rows: int) -> bytes:
    """UTF-8 with a byte order mark, commas, English headers."""
    bad = bad_lines(rows)
    lines = ["email,first_name,birth_date,region,diploma,field,source"]
    for line in range(2, rows + 2):
        n = line - 2
        email, birth, region = f"youth{n}@example.fr", "12/03/2001", "idf"
        kind = bad.get(line)
        if kind == "bad_email":
            email = "not an email"
        elif kind == "unknown_region":
            region = "Atlantide"
        elif kind == "bad_value":
            birth = "31/02/2001"
        elif kind == "formula":
            region = "=1+1"
        elif kind == "duplicate_in_file":
            email = "YOUTH0@example.fr"
        lines.append(f"{email},Inès,{birth},{region},Bac+5,Contrôle de gestion,ml75")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


async def fresh_database(folder: Path, name: str) -> str:
    url = f"sqlite+aiosqlite:///{folder / name}"
    engine = create_engine(url)
    await upgrade(engine)
    await engine.dispose()
    return url


async def import_once(url: str, data: bytes, people: People) -> tuple[float, int, int, int]:
    """(seconds, imported, unchanged, rejected) of one import, as `mentorbot import`."""
    engine = create_engine(url)
    sessions = create_sessions(engine)
    started = time.perf_counter()
    parsed = read(data, people, today=TODAY)
    async with sessions() as session, session.begin():
        plan = await import_plan.check(session, parsed)
        applied = await import_plan.apply(session, plan, by="bench", now=NOW)
    elapsed = time.perf_counter() - started
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) is not None
    await engine.dispose()
    return elapsed, applied.imported, len(plan.unchanged), len(plan.rejected)


def _person(role: str, n: int) -> dict[str, Any]:
    return {
        "role": role,
        "display_name": "Inès",
        "locale": "fr",
        "created_at": NOW,
        "region": "idf",
        "import_key": f"{role}{n:060d}",
    }


async def reference(url: str, rows: int, people: People) -> float:
    """The same rows with one bare executemany per table (no reading, no checks)."""
    engine = create_engine(url)
    role = "mentor" if people is People.MENTORS else "youth"
    started = time.perf_counter()
    async with engine.begin() as connection:
        await connection.execute(insert(Person), [_person(role, n) for n in range(rows)])
        ids = range(1, rows + 1)
        second: list[tuple[Any, Callable[[int], dict[str, Any]]]]
        if people is People.MENTORS:
            second = [
                (
                    MentorProfile,
                    lambda i: {
                        "person_id": i,
                        "email": f"m{i}@acme.example",
                        "capacity": 2,
                        "languages": ["fr", "en"],
                        "created_at": NOW,
                    },
                )
            ]
        else:
            second = [
                (
                    Application,
                    lambda i: {
                        "person_id": i,
                        "status": "in_progress",
                        "answers": {"email": f"y{i}@example.fr", "diploma": "bac5"},
                        "reasons": [],
                        "started_at": NOW,
                    },
                ),
                (
                    Invite,
                    lambda i: {
                        "token": "inv-" + secrets.token_urlsafe(24),
                        "person_id": i,
                        "created_at": NOW,
                        "created_by": "bench",
                    },
                ),
            ]
        for table, row in second:
            await connection.execute(insert(table), [row(i) for i in ids])
    elapsed = time.perf_counter() - started
    await engine.dispose()
    return elapsed


async def main(rows: int) -> None:
    files = {People.MENTORS: mentors_csv(rows), People.YOUTHS: youths_csv(rows)}
    print(f"{rows} rows per file, {BAD_ROWS} of them bad; SQLite")
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        for people, data in files.items():
            url = await fresh_database(folder, f"{people}.db")
            seconds, imported, unchanged, rejected = await import_once(url, data, people)
            print(
                f"  {people}: {imported} imported, {unchanged} unchanged, {rejected} rejected "
                f"in {seconds:.2f} s (target < {TARGET_SECONDS:.0f} s)"
            )
            assert (imported, rejected) == (rows - BAD_ROWS, BAD_ROWS)
            again, imported, unchanged, rejected = await import_once(url, data, people)
            print(
                f"  {people} again: {imported} imported, {unchanged} unchanged, "
                f"{rejected} rejected in {again:.2f} s"
            )
            assert imported == 0
            bare = await reference(
                await fresh_database(folder, f"{people}-bare.db"), rows - BAD_ROWS, people
            )
            print(
                f"  reference, {rows - BAD_ROWS} rows per table by bare executemany: "
                f"{bare:.2f} s; import / reference = {seconds / bare:.1f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    asyncio.run(main(parser.parse_args().rows))
