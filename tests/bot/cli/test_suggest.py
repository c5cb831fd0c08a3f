"""`mentorbot suggest`: the mentors for one youth and why; `--all` proposes pairings for
every waiting youth, written to a CSV file staff may edit, applied only on "yes" (and with
--by); `mentorbot pair --from FILE` applies an edited file row by row, refused rows said
with their line and why."""

from __future__ import annotations

import asyncio
import csv
from datetime import timedelta
from pathlib import Path

import time_machine
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import pairs, suggest
from bot.container import Services
from conversations.rules.matching import DEFAULT_MATCHING_PATH
from storage.models import AuditLog, MentorProfile, Pairing
from tests.bot.cli.runner import TUESDAY
from tests.fakes.mentoring import make_mentor, make_youth


def app() -> typer.Typer:
    """The two commands as `mentorbot` registers them."""
    composed = typer.Typer()
    pairs.register(composed)
    suggest.register(composed)
    return composed


async def run(env: dict[str, str], *args: str, code: int = 0, typed: str | None = None) -> str:
    with time_machine.travel(TUESDAY, tick=False):
        result = await asyncio.to_thread(
            CliRunner().invoke, app(), list(args), input=typed, env=env
        )
    assert result.exit_code == code, result.output
    return result.output


async def cohort(services: Services) -> dict[str, int]:
    """Three waiting youths and two mentors with one seat each: a developer, a banker."""
    ids: dict[str, int] = {}
    async with services.sessions() as session, session.begin():
        for name, field, days in (
            ("Inès", "Développement web", 40),
            ("Samir", "Banque", 10),
            ("Lina", "Développement web", 5),
        ):
            person = await make_youth(
                session, TUESDAY - timedelta(days=days), name=name, field=field
            )
            ids[name] = person.id
        refused = await make_youth(session, TUESDAY, name="Refusé", decision="not_eligible")
        ids["Refusé"] = refused.id
        for slack_id, name, sector, capacity in (
            ("UCLAIRE", "Claire", "Développement web", 1),
            ("UBRUNO", "Bruno", "Banque", 1),
        ):
            mentor = await make_mentor(session, TUESDAY, slack_id, name=name, capacity=capacity)
            profile = await session.get(MentorProfile, mentor.id)
            assert profile is not None
            profile.sector = sector
            ids[name] = mentor.id
    return ids


async def paired(services: Services) -> set[tuple[int, int]]:
    async with services.sessions() as session:
        return {(p.youth_id, p.mentor_id) for p in await session.scalars(select(Pairing))}


async def test_suggestions_for_one_youth(services: Services, env: dict[str, str]) -> None:
    ids = await cohort(services)
    out = await run(env, "suggest", str(ids["Inès"]))
    assert f"Mentors for youth #{ids['Inès']} Inès (weights 2026-11)" in out
    assert out.index("Claire") < out.index("Bruno")
    assert "Close field (“Développement web”), same region (Île-de-France)" in out
    assert "waiting for 40 days" in out

    out = await run(env, "suggest", str(ids["Refusé"]), code=1)
    assert "No suggestions: youth" in out
    assert "is not eligible (decision: not_eligible)" in out
    out = await run(env, "suggest", "nobody@example.org", code=1)
    assert "No youth found for 'nobody@example.org'" in out
    await run(env, "suggest", code=2)
    await run(env, "suggest", str(ids["Inès"]), "--all", code=2)
    assert await paired(services) == set()


async def test_the_whole_cohort_is_proposed_and_applied_only_on_yes(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    ids = await cohort(services)
    proposal = tmp_path / "proposal.csv"

    out = await run(env, "suggest", "--all", "--csv", str(proposal))
    # the developer's one seat goes to the youth who has waited longest
    assert "2 pairing(s) proposed" in out
    assert "1 youth(s) left waiting" in out
    assert f"waiting: youth #{ids['Lina']} Lina" in out
    assert "Nothing applied. To apply it, run again with --by NAME" in out
    with proposal.open(encoding="utf-8-sig", newline="") as written:
        rows = list(csv.DictReader(written))
    assert [(int(r["youth_id"]), int(r["mentor_id"])) for r in rows] == [
        (ids["Inès"], ids["Claire"]),
        (ids["Samir"], ids["Bruno"]),
    ]
    assert list(rows[0]) == list(suggest.PROPOSAL_COLUMNS)
    assert await paired(services) == set()

    out = await run(env, "suggest", "--all", "--by", "Camille", typed="n\n")
    assert "Apply these 2 pairings? [y/N]" in out
    assert "Nothing applied." in out
    assert await paired(services) == set()

    out = await run(env, "suggest", "--all", "--by", "Camille", typed="y\n")
    assert "2 pairing(s) created." in out
    assert await paired(services) == {(ids["Inès"], ids["Claire"]), (ids["Samir"], ids["Bruno"])}
    async with services.sessions() as session:
        [applied] = await session.scalars(
            select(AuditLog).where(AuditLog.action == "pairings_applied")
        )
    assert applied.actor == "staff:Camille"
    assert applied.detail["made"] == 2
    assert applied.detail["weights"] == "2026-11"
    # nobody has room now: nothing to propose, nothing asked
    out = await run(env, "suggest", "--all", "--by", "Camille")
    assert "0 pairing(s) proposed" in out
    assert "Apply" not in out


async def test_an_edited_proposal_file_pairs_the_rows_that_hold(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    ids = await cohort(services)
    # saved by a French spreadsheet: semicolons, Windows-1252, a column added, rows changed
    edited = tmp_path / "edited.csv"
    lines = [
        "youth_id;mentor_id;score;youth;mentor;reasons;commentaire",
        f"{ids['Inès']};{ids['Claire']};9.5;#{ids['Inès']} Inès;;;déjà vue",
        f"{ids['Lina']};{ids['Claire']};8;;;;Claire n'a qu'une place",
        f"{ids['Samir']};abc;;;;;",
        ";;;;;;",
        f"{ids['Refusé']};{ids['Bruno']};;;;;",
        f"#{ids['Samir']};{ids['Bruno']};;;;;",
        f"{ids['Inès']};{ids['Bruno']};;;;;",
    ]
    edited.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))

    out = await run(env, "pair", "--from", str(edited), "--by", "Camille", code=1)

    assert "line 4: mentor_id 'abc' is not a person id" in out
    assert f"line 8: youth #{ids['Inès']} is already on line 2" in out
    assert "2 pairing(s) created." in out
    assert "2 row(s) refused" in out
    assert "is at capacity" in out
    assert "is not eligible" in out
    assert await paired(services) == {(ids["Inès"], ids["Claire"]), (ids["Samir"], ids["Bruno"])}


async def test_a_proposal_file_without_its_columns_pairs_nothing(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    ids = await cohort(services)
    broken = tmp_path / "broken.csv"
    broken.write_text(f"youth_id,mentor\n{ids['Inès']},{ids['Claire']}\n", encoding="utf-8")
    out = await run(env, "pair", "--from", str(broken), "--by", "Camille", code=1)
    assert "missing column(s): mentor_id" in out
    assert "nothing paired" in out
    await run(env, "pair", "--from", str(broken), code=2)
    await run(env, "pair", "--from", str(broken), "1", "--by", "Camille", code=2)
    assert await paired(services) == set()


async def test_staff_can_point_at_their_own_weights_file(
    services: Services, env: dict[str, str], tmp_path: Path
) -> None:
    ids = await cohort(services)
    own = tmp_path / "matching.toml"
    shipped = DEFAULT_MATCHING_PATH.read_text(encoding="utf-8")
    own.write_text(
        shipped.replace('version = "2026-11"', 'version = "ours-1"').replace(
            "suggestions = 5", "suggestions = 1"
        ),
        encoding="utf-8",
    )
    out = await run({**env, "MENTORBOT_MATCHING_FILE": str(own)}, "suggest", str(ids["Inès"]))
    assert "(weights ours-1)" in out
    assert "Claire" in out
    assert "Bruno" not in out  # one suggestion, as the file says

    # a misspelt key: refused at start, naming the setting and the key (a file is read once
    # per process, so this is another one)
    wrong = tmp_path / "matching-wrong.toml"
    wrong.write_text(shipped.replace("suggestions = 5", "suggestionz = 5"), encoding="utf-8")
    out = await run(
        {**env, "MENTORBOT_MATCHING_FILE": str(wrong)}, "suggest", str(ids["Inès"]), code=2
    )
    assert "MENTORBOT_MATCHING_FILE" in out
    assert "suggestionz" in out
