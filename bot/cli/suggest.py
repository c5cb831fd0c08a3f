"""`mentorbot suggest`: the mentors who suit a waiting youth, best first and why; with
`--all`, a proposal pairing every waiting youth at once, for staff to approve, edit (as a
CSV file) or reject. Nothing is paired without staff answering yes, or `mentorbot pair
--from FILE` applying the file they kept.

The weights are `bot/rules/matching.toml`; the proposal's rows are checked again when
applied (a mentor who filled up since, a youth paired meanwhile: that row is refused, the
others are paired).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli.common import console, fail, find_people, named, run_with_services, safe
from bot.cli.sending import send_now
from bot.container import Services
from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.spreadsheet import write_csv
from conversations.pairs.lifecycle import OPEN_STATUSES
from conversations.rules.matching import MatchingRules, matching_rules
from conversations.staff import pairing
from conversations.staff.assignment import Assignment, assign
from conversations.staff.matching import (
    Candidate,
    Exclusion,
    YouthRefusal,
    exclusion,
    rank,
    youth_refusal,
)
from conversations.staff.people import label
from conversations.staff.suggestions import candidate_context, match_percent
from storage import audit, candidates
from storage.candidates import YouthFacts
from storage.models import Role

__all__ = [
    "PROPOSAL_COLUMNS",
    "Row",
    "apply_file",
    "apply_rows",
    "decode",
    "read_rows",
    "register",
    "suggest",
]

# the proposal file: the ids are what `mentorbot pair --from` reads, the rest is for staff
PROPOSAL_COLUMNS = ("youth_id", "mentor_id", "score", "youth", "mentor", "reasons")
REQUIRED = ("youth_id", "mentor_id")
# a proposal file staff saved from a spreadsheet: Excel in French writes Windows-1252
ENCODINGS = ("utf-8-sig", "cp1252")
# the refusals, as the command line says them
YOUTH_REFUSED = {
    YouthRefusal.ERASED: "erased their data",
    YouthRefusal.NOT_ELIGIBLE: "is not eligible",
    YouthRefusal.ALREADY_PAIRED: "already has an open pairing",
}
MENTOR_LEFT_OUT = {
    Exclusion.SAME_PERSON: "is the youth themself",
    Exclusion.ERASED: "erased their data",
    Exclusion.NOT_APPROVED: "has no approved sign-up",
    Exclusion.NOT_ACCEPTING: "is not taking new mentees for now",
    Exclusion.ON_HOLIDAY: "is on holiday",
    Exclusion.FULL: "is at capacity",
    Exclusion.CURRENT_MENTOR: "is already the youth's mentor",
    Exclusion.OTHER_REGION: "is in another region and does not mentor remotely",
    Exclusion.NO_SHARED_LANGUAGE: "shares no language with the youth",
}


@dataclass(frozen=True)
class Row:
    """One pairing to make: where it came from (a file's line, a proposal's rank)."""

    line: int
    youth_id: int
    mentor_id: int


def register(app: typer.Typer) -> None:
    app.command("suggest")(suggest)


def _reasons(services: Services, candidate: Candidate) -> str:
    context = candidate_context(candidate)
    return services.renderer.text("staff.suggest.reasons", "en", Channel.CONSOLE, context)


def _refusal(youth: YouthFacts, refusal: YouthRefusal) -> str:
    why = YOUTH_REFUSED[refusal]
    if refusal is YouthRefusal.NOT_ELIGIBLE:
        why += f" (decision: {youth.decision or 'none yet'})"
    elif refusal is YouthRefusal.ALREADY_PAIRED:
        why += f" (pairing {youth.open_pairing_id})"
    return f"youth {label(youth.person_id, youth.name)} {why}"


def suggest(
    youth: Annotated[
        str | None,
        typer.Argument(help="The youth: person id (12), email or Telegram id (tg:123456789)."),
    ] = None,
    everyone: Annotated[
        bool, typer.Option("--all", help="Propose a mentor for every waiting youth at once.")
    ] = False,
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv", help="With --all: write the proposal to this CSV file.", dir_okay=False
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="Your name, for the audit log (to apply --all).")
    ] = None,
) -> None:
    """The best mentors for a waiting youth, and why; `--all` proposes pairings for every
    waiting youth (maximising the total score), applied only if you answer yes."""
    if everyone == (youth is not None):
        fail("Name one youth, or use --all for every waiting youth.", 2)
    if csv_file is not None and not everyone:
        fail("--csv goes with --all.", 2)
    if youth is not None:
        run_with_services(lambda services: _one(services, youth))
        return
    proposal = run_with_services(lambda services: _everyone(services, csv_file))
    if not proposal:
        return
    if by is None or not by.strip():
        console.print(
            "Nothing applied. To apply it, run again with --by NAME, or keep it with --csv "
            "FILE, edit it, then `mentorbot pair --from FILE --by NAME`."
        )
        return
    if not typer.confirm(f"Apply these {len(proposal)} pairings?", default=False):
        console.print("Nothing applied.")
        return
    run_with_services(lambda services: apply_rows(services, proposal, by, source="suggest --all"))


async def _one(services: Services, reference: str) -> None:
    rules = matching_rules(services.config.matching_file)
    now = services.clock.now()
    async with services.sessions() as session:
        [person] = await find_people(session, (reference, Role.YOUTH))
        found = await candidates.youth(session, person.id, OPEN_STATUSES)
        mentors = await candidates.mentors(session, OPEN_STATUSES)
    if found is None:
        fail(f"No youth {label(person.id, person.display_name)}.", 1)
    refusal = youth_refusal(found)
    if refusal is not None:
        fail(f"No suggestions: {_refusal(found, refusal)}.", 1)
    today = now.astimezone(services.config.zone).date()
    ranking = rank(found, mentors, rules, now=now, today=today, limit=rules.suggestions)
    title = f"Mentors for youth {label(found.person_id, found.name)} (weights {rules.version})"
    table = Table(title=safe(title))
    for column in ("#", "mentor", "score", "match", "why"):
        table.add_column(column)
    for number, candidate in enumerate(ranking.candidates, start=1):
        table.add_row(
            str(number),
            named(candidate.mentor.person_id, candidate.mentor.name),
            f"{candidate.score:.2f}",
            f"{match_percent(candidate, rules)}%",
            safe(_reasons(services, candidate)),
        )
    if ranking.candidates:
        console.print(table)
        console.print(f"Pair with: mentorbot pair {found.person_id} MENTOR_ID --by NAME")
        return
    left_out = ", ".join(
        f"{count} {MENTOR_LEFT_OUT[why]}" for why, count in sorted(ranking.excluded.items())
    )
    console.print(
        f"No mentor available for youth {named(found.person_id, found.name)}"
        + (f" ({left_out})." if left_out else ".")
    )


async def _everyone(services: Services, csv_file: Path | None) -> list[Row]:
    rules = matching_rules(services.config.matching_file)
    now = services.clock.now()
    async with services.sessions() as session:
        youths = await candidates.waiting_youths(session, OPEN_STATUSES)
        mentors = await candidates.mentors(session, OPEN_STATUSES)
    today = now.astimezone(services.config.zone).date()
    found = assign(youths, mentors, rules, now=now, today=today)
    _show(services, found, rules)
    if csv_file is not None:
        _write(services, found, csv_file)
    return [
        Row(number, p.youth.person_id, p.candidate.mentor.person_id)
        for number, p in enumerate(found.proposals, start=1)
    ]


def _show(services: Services, found: Assignment, rules: MatchingRules) -> None:
    table = Table(title=f"Proposed pairings (weights {safe(rules.version)})")
    for column in ("youth", "mentor", "score", "why"):
        table.add_column(column)
    for proposal in found.proposals:
        table.add_row(
            named(proposal.youth.person_id, proposal.youth.name),
            named(proposal.candidate.mentor.person_id, proposal.candidate.mentor.name),
            f"{proposal.candidate.score:.2f}",
            safe(_reasons(services, proposal.candidate)),
        )
    if found.proposals:
        console.print(table)
    console.print(
        f"{len(found.proposals)} pairing(s) proposed, total score {found.total:.2f}; "
        f"{len(found.unassigned)} youth(s) left waiting (no mentor passes the rules)."
    )
    for youth in found.unassigned[:20]:
        console.print(f"  waiting: youth {named(youth.person_id, youth.name)}")


def _write(services: Services, found: Assignment, csv_file: Path) -> None:
    rows = [
        (
            p.youth.person_id,
            p.candidate.mentor.person_id,
            round(p.candidate.score, 2),
            f"#{p.youth.person_id} {p.youth.name or ''}".strip(),
            f"#{p.candidate.mentor.person_id} {p.candidate.mentor.name or ''}".strip(),
            _reasons(services, p.candidate),
        )
        for p in found.proposals
    ]
    try:
        written = write_csv(csv_file, PROPOSAL_COLUMNS, rows)
    except OSError as error:
        fail(f"Cannot write {csv_file}: {error.strerror or error}", 1)
    console.print(
        f"Proposal written to {safe(str(csv_file))} ({written} row(s)). Edit it if you "
        f"like, then: mentorbot pair --from {safe(str(csv_file))} --by NAME"
    )


# ------------------------------------------------------------------ applying


async def apply_rows(services: Services, rows: list[Row], by: str, *, source: str) -> int:
    """Pair each row in turn (each its own transaction, checked again when its turn comes);
    says which were refused and why; returns how many were refused."""
    rules = matching_rules(services.config.matching_file)
    made: list[int] = []
    refused: list[tuple[int, str]] = []
    for row in rows:
        now = services.clock.now()
        async with services.sessions() as session, session.begin():
            today = now.astimezone(services.config.zone).date()
            why = await _check(session, row, rules, today)
            if why is None:
                try:
                    done = await pairing.pair(
                        session,
                        youth_id=row.youth_id,
                        mentor_id=row.mentor_id,
                        staff=by,
                        now=now,
                        config=services.config,
                    )
                except pairing.PairingError as error:
                    why = str(error)
                else:
                    made.append(done.id)
        if why is not None:
            refused.append((row.line, why))
    async with services.sessions() as session, session.begin():
        await audit.record(
            session,
            actor=f"staff:{by.strip()[:100]}",
            action="pairings_applied",
            now=services.clock.now(),
            detail={
                "source": source,
                "made": len(made),
                "refused": len(refused),
                "weights": rules.version,
                "weights_sha256": rules.sha256,
            },
        )
    console.print(f"{len(made)} pairing(s) created.")
    if refused:
        table = Table(title=f"{len(refused)} row(s) refused")
        table.add_column("line", justify="right")
        table.add_column("why")
        for line, why in refused:
            table.add_row(str(line), safe(why))
        console.print(table)
    if made:
        await send_now(services)
    return len(refused)


async def _check(session: AsyncSession, row: Row, rules: MatchingRules, today: date) -> str | None:
    """Why `row` cannot be paired now (the rules suggestions follow), or None."""
    youth = await candidates.youth(session, row.youth_id, OPEN_STATUSES)
    if youth is None:
        return f"no youth #{row.youth_id}"
    refusal = youth_refusal(youth)
    if refusal is not None:
        return _refusal(youth, refusal)
    mentor = await candidates.mentor(session, row.mentor_id, OPEN_STATUSES)
    if mentor is None:
        return f"no mentor #{row.mentor_id}"
    why = exclusion(youth, mentor, rules, today)
    if why is not None:
        return f"mentor {label(mentor.person_id, mentor.name)} {MENTOR_LEFT_OUT[why]}"
    return None


def read_rows(text: str) -> tuple[list[Row], list[tuple[int, str]]]:
    """The rows of a proposal file (comma or semicolon separated) and the lines refused
    before anything is paired: no id, an id that is not one, a youth twice."""
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    columns = {(name or "").strip().lower(): name for name in reader.fieldnames or ()}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ValueError(
            f"missing column(s): {', '.join(missing)} (the file needs {', '.join(REQUIRED)})"
        )
    rows: list[Row] = []
    refused: list[tuple[int, str]] = []
    seen: dict[int, int] = {}
    for record in reader:
        line = reader.line_num
        cells = {key: (record.get(name) or "").strip() for key, name in columns.items()}
        if not any(cells.values()):
            continue  # a row emptied in the spreadsheet
        ids: list[int] = []
        for name in REQUIRED:
            typed = cells[name].lstrip("'#")
            found = codec.parse_id(typed)
            if found is None:
                refused.append((line, f"{name} {cells[name][:20]!r} is not a person id"))
                break
            ids.append(found)
        else:
            youth_id, mentor_id = ids
            if youth_id in seen:
                refused.append((line, f"youth #{youth_id} is already on line {seen[youth_id]}"))
                continue
            seen[youth_id] = line
            rows.append(Row(line, youth_id, mentor_id))
    return rows, refused


def decode(raw: bytes) -> str:
    """A proposal file's text: UTF-8 (with or without a byte order mark) or Windows-1252."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("neither UTF-8 nor Windows-1252 text")


def apply_file(path: Path, by: str) -> None:
    """`mentorbot pair --from FILE`: pair the rows of a proposal file, refused ones said
    with their line and why; exit 1 when any was refused."""
    try:
        rows, refused = read_rows(decode(path.read_bytes()))
    except OSError as error:
        fail(f"Cannot read {path}: {error.strerror or error}", 2)
    except ValueError as error:
        fail(f"{path}: {error}; nothing paired.", 1)
    for line, why in refused:
        console.print(f"[red]line {line}:[/red] {safe(why)}")
    if not rows:
        console.print("No row to pair.")
        raise typer.Exit(1 if refused else 0)
    failed = run_with_services(lambda services: apply_rows(services, rows, by, source="file"))
    if refused or failed:
        raise typer.Exit(1)
