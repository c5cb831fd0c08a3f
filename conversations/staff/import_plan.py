"""An import checked against the database, then written (`mentorbot import`).

`check` sorts a file's records into people to create, people already imported (the same
import key: unchanged, a re-import changes nothing) and rows refused against the database
(someone already registered with that email outside an import, a Slack account that is
someone else's). `apply` writes the new people in the caller's transaction (nothing
half-imported: the caller rolls back on any error) and audit-logs counts, never names.
`check` alone is the dry run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.staff.imports import Parsed, People, Record, Rejection
from storage import audit, invites
from storage import imports as rows
from storage.imports import NewMentor, NewYouth

__all__ = ["Applied", "Link", "Plan", "apply", "check"]


@dataclass(frozen=True)
class Plan:
    """What an import would do."""

    parsed: Parsed
    new: tuple[Record, ...]
    # already imported: line -> person id
    unchanged: tuple[tuple[Record, int], ...]
    # the file's rejections and the database's, by line
    rejected: tuple[Rejection, ...]


@dataclass(frozen=True)
class Link:
    """A youth's personal invite (the `start` parameter of their deep link)."""

    line: int
    email: str
    first_name: str
    token: str


@dataclass(frozen=True)
class Applied:
    imported: int
    # youths imported now, and those imported before who have not used theirs yet
    links: tuple[Link, ...]


async def check(session: AsyncSession, parsed: Parsed) -> Plan:
    """Sort the records against the database (reads only)."""
    records = parsed.records
    keys = {r.person.key for r in records}
    emails = {r.email for r in records}
    if parsed.people is People.MENTORS:
        slack_ids = {r.person.slack_id for r in records if isinstance(r.person, NewMentor)}
        known = await rows.known_mentors(
            session, keys=keys, emails=emails, slack_ids={s for s in slack_ids if s}
        )
    else:
        known = await rows.known_youths(session, keys=keys, emails=emails)
    new: list[Record] = []
    unchanged: list[tuple[Record, int]] = []
    rejected = list(parsed.rejections)
    taken: dict[str, int] = {}  # Slack ids of this file, first line
    for record in records:
        person_id = known.keys.get(record.person.key)
        if person_id is not None:
            unchanged.append((record, person_id))
            continue
        registered = known.emails.get(record.email)
        if registered is not None:
            rejected.append(
                Rejection(
                    record.line,
                    "already_registered",
                    "email",
                    record.email,
                    {"person_id": registered},
                )
            )
            continue
        slack_id = record.person.slack_id if isinstance(record.person, NewMentor) else None
        if slack_id is not None and slack_id in known.slack_ids:
            rejected.append(
                Rejection(
                    record.line,
                    "slack_id_taken",
                    "slack_id",
                    slack_id,
                    {"person_id": known.slack_ids[slack_id]},
                )
            )
            continue
        if slack_id is not None and slack_id in taken:
            rejected.append(
                Rejection(
                    record.line,
                    "duplicate_in_file",
                    "slack_id",
                    slack_id,
                    {"first_line": taken[slack_id]},
                )
            )
            continue
        if slack_id is not None:
            taken[slack_id] = record.line
        new.append(record)
    return Plan(
        parsed=parsed,
        new=tuple(new),
        unchanged=tuple(unchanged),
        rejected=tuple(sorted(rejected, key=lambda r: r.line)),
    )


async def apply(
    session: AsyncSession,
    plan: Plan,
    *,
    by: str,
    now: datetime,
    done: Callable[[int], None] | None = None,
) -> Applied:
    """Write the plan's new people and audit-log the counts; the links of the youths."""
    staff = by.strip()[:100]
    people = plan.parsed.people
    if people is People.MENTORS:
        mentors = [r.person for r in plan.new if isinstance(r.person, NewMentor)]
        await rows.write_mentors(session, mentors, now=now, by=staff, done=done)
        links: tuple[Link, ...] = ()
    else:
        youths = [r.person for r in plan.new if isinstance(r.person, NewYouth)]
        written = await rows.write_youths(session, youths, now=now, by=staff, done=done)
        links = tuple(
            Link(record.line, record.email, record.person.first_name, person.token or "")
            for record, person in zip(plan.new, written, strict=True)
        )
        links += await _unused_links(session, plan)
    await audit.record(
        session,
        actor=f"staff:{staff}",
        action="import",
        now=now,
        detail={
            "people": str(people),
            "imported": len(plan.new),
            "unchanged": len(plan.unchanged),
            "rejected": len(plan.rejected),
        },
    )
    return Applied(imported=len(plan.new), links=tuple(sorted(links, key=lambda link: link.line)))


async def _unused_links(session: AsyncSession, plan: Plan) -> tuple[Link, ...]:
    """Youths of the file imported before whose invite is still unused: their link again."""
    tokens = await invites.unused_tokens(session, [person_id for _, person_id in plan.unchanged])
    return tuple(
        Link(record.line, record.email, record.person.first_name, tokens[person_id])
        for record, person_id in plan.unchanged
        if person_id in tokens
    )
