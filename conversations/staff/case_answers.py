"""Staff answering the person who asked: a reply in the case's thread in the staff
channel, or `mentorbot cases answer`.

    a reply in the case's thread --> `staff_replied` --> `answer_case`: relayed to the person
        (a youth on Telegram, a mentor in the bot's direct messages) at once, signed with
        the staff member's first name; the case is taken if nobody had it
    a reply in a resolved case's thread --> the case is reopened (said in its thread) and
        the answer relayed: staff wrote to the person, that is what they meant
    a reply in any other thread of the channel --> nothing (staff talking among themselves)
    `mentorbot cases answer` --> `answer_from_cli`: the same, and the answer shown in the
        case's thread so the channel sees it

Answers are audit-logged without their text; their texts are dropped from the outbox once
delivered. A mentor's first answer opens a thread in their direct messages (`anchor`): what
they write there comes back to the case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.messages import Attachment, Channel
from conversations.core.programme import ProgrammeConfig
from conversations.core.turn import Turn
from conversations.pairs.alerts import to_case_thread
from conversations.pairs.cases import ANSWER_TEMPLATES, relayed_files
from conversations.staff import cases as cases_flow
from conversations.staff.cases import Outcome
from storage import cases, outbox, people, threads
from storage.models import Case, CaseState, Person, Priority

__all__ = ["MAX_ANSWER_PART", "Answered", "answer_case", "answer_from_cli", "staff_replied"]

# one relayed message: under Telegram's 4,096 characters once signed; longer answers are
# sent in several messages, in order
MAX_ANSWER_PART = 3500


@dataclass(frozen=True)
class Answered:
    """What an answer did: relayed (`ANSWERED`, or `REOPENED` first), or why not."""

    outcome: Outcome
    case: Case | None
    # the person it went to (their first name now) and where ("telegram", "slack")
    to: str = ""
    channel: str = ""


async def answer_case(
    session: AsyncSession,
    *,
    case_id: int,
    staff: str,
    text: str,
    now: datetime,
    config: ProgrammeConfig,
    staff_name: str | None = None,
    files: tuple[Attachment, ...] = (),
    ref: str | None = None,
    via: str = "slack",
) -> Answered:
    """`staff` writes to the person who asked: relayed on their channel at once, signed
    with `staff_name`'s first word when known. The case is taken if nobody had it, and
    reopened if it was resolved. `ref` (the platform event) makes the outbox keys, so a
    redelivered reply is relayed once. Audit-logged without the text."""
    case = await cases.get(session, case_id)
    if case is None:
        return Answered(Outcome.UNKNOWN, None)
    text = text.strip()
    if not text and not files:
        return Answered(Outcome.EMPTY, case)
    person = await session.get(Person, case.person_id) if case.person_id is not None else None
    identity = await people.first_identity(session, person.id) if person is not None else None
    if person is None or identity is None or person.erased_at is not None:
        # an alert (nobody asked), or the person erased their data
        return Answered(Outcome.NOBODY, case)
    outcome = Outcome.ANSWERED
    if case.state == CaseState.RESOLVED:
        cases.reopen(case, by=staff, now=now)
        await cases_flow.record(session, case, staff, "case_reopened", now)
        outcome = Outcome.REOPENED
    elif case.state == CaseState.OPEN:
        # answering is taking it: the answer itself tells the person someone has it
        cases.take(case, owner=staff, now=now)
        await cases_flow.record(session, case, staff, "case_taken", now)
    first = not await cases.answered(session, case.id, ANSWER_TEMPLATES)
    ref = ref or uuid.uuid4().hex
    file_ids = await relayed_files(session, files, now)
    await _relay(
        session, case, person.id, identity.channel, text, file_ids, staff_name, first, ref, now
    )
    await cases_flow.record(session, case, staff, "case_answered", now, via=via)
    return Answered(outcome, case, to=person.display_name or "", channel=identity.channel)


async def _relay(
    session: AsyncSession,
    case: Case,
    person_id: int,
    channel: str,
    text: str,
    file_ids: list[int],
    staff_name: str | None,
    first: bool,
    ref: str,
    now: datetime,
) -> None:
    """The answer queued to the person, in parts under Telegram's limit, in order."""
    slack = channel == Channel.SLACK
    context: dict[str, Any] = {
        "case_id": case.id,
        "staff": _first_name(staff_name),
        "drop": ["text"],
        "live": True,
    }
    if slack:
        # the first answer opens a thread in the mentor's direct messages: their replies
        # there come back to the case. Not before the case's own post is out (answered from
        # the command line at once): the first thread recorded is taken for the channel's
        thread = await cases.person_thread(session, case)
        if thread is not None:
            context["thread_ts"] = thread.ts
        elif case.staff_channel_ts is not None:
            context["anchor"] = {"case": case.id}
    parts: list[tuple[str, int | None]] = [(p, None) for p in _split(text)]
    if file_ids:
        if parts:
            parts[0] = (parts[0][0], file_ids[0])
        else:
            parts = [("", file_ids[0])]
        parts += [("", file_id) for file_id in file_ids[1:]]
    for index, (part, file_id) in enumerate(parts):
        extra: dict[str, Any] = {"text": part, "first": first and index == 0}
        if file_id is not None:
            extra["file"] = file_id
        await outbox.enqueue(
            session,
            key=f"case:{case.id}:answer:{ref}:{index}",
            person_id=person_id,
            channel=channel,
            template="case.answer" if slack else "human.team_answer",
            context={**context, **extra},
            now=now,
            priority=Priority.URGENT,
            order_key=f"case:{case.id}:to_person",
        )


def _split(text: str) -> list[str]:
    """A long answer in parts of at most `MAX_ANSWER_PART` characters, cut at a line or a
    space when there is one."""
    parts: list[str] = []
    rest = text
    while len(rest) > MAX_ANSWER_PART:
        cut = rest.rfind("\n", 0, MAX_ANSWER_PART)
        if cut <= 0:
            cut = rest.rfind(" ", 0, MAX_ANSWER_PART)
        cut = cut if cut > 0 else MAX_ANSWER_PART
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def _first_name(name: str | None) -> str:
    words = (name or "").split()
    return words[0][:40] if words else ""


async def staff_replied(turn: Turn) -> None:
    """A staff member wrote in the staff channel: in a case's thread, to the person who
    asked; anywhere else, nothing (staff talk among themselves). Said in the thread when
    it matters: the first answer (where the replies will come), a case reopened, nobody to
    write to. Nothing is said in the channel otherwise."""
    incoming = turn.incoming
    if not incoming.thread or not incoming.chat_id:
        return
    thread = await threads.find(turn.session, "slack", incoming.chat_id, incoming.thread)
    if thread is None or thread.case_id is None:
        return
    staff = turn.actor.external_id
    person = turn.actor.person
    first_answer = not await cases.answered(turn.session, thread.case_id, ANSWER_TEMPLATES)
    done = await answer_case(
        turn.session,
        case_id=thread.case_id,
        staff=staff,
        text=incoming.text,
        now=turn.now,
        config=turn.config,
        staff_name=(person.display_name if person is not None else None) or incoming.display_name,
        files=incoming.files,
        ref=incoming.event_id,
    )
    case = done.case
    if case is None:
        return
    said = {
        Outcome.REOPENED: "staff.case_reopened",
        Outcome.NOBODY: "staff.case_nobody",
    }.get(done.outcome)
    if said is None and done.outcome is Outcome.ANSWERED and first_answer:
        said = "staff.case_first_answer"
    if said is None and incoming.file_refused and not incoming.files:
        said = "staff.case_file_refused"
    if said is None:
        return
    await to_case_thread(
        turn.session,
        case,
        key=f"case:{case.id}:said:{incoming.event_id or uuid.uuid4().hex}",
        template=said,
        context={
            "case_id": case.id,
            "who": outbox.person_ref(case.person_id) if case.person_id else "",
            "channel": done.channel,
            "refused": incoming.file_refused,
        },
        now=turn.now,
        config=turn.config,
    )


async def answer_from_cli(
    session: AsyncSession,
    *,
    case_id: int,
    staff: str,
    text: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Answered:
    """`mentorbot cases answer`: the answer relayed as from the case's thread (signed with
    the name of the staff member's Slack account, when the bot knows them), and shown in
    the thread so the channel sees it."""
    person, _ = await people.find_with_state(session, Channel.SLACK, staff)
    done = await answer_case(
        session,
        case_id=case_id,
        staff=staff,
        text=text,
        now=now,
        config=config,
        staff_name=person.display_name if person is not None else None,
        via="cli",
    )
    case = done.case
    if case is not None and done.outcome in (Outcome.ANSWERED, Outcome.REOPENED):
        await to_case_thread(
            session,
            case,
            key=f"case:{case.id}:said:cli:{uuid.uuid4().hex}",
            template="staff.case_answered_cli",
            context={
                "case_id": case.id,
                "staff_id": staff,
                "who": outbox.person_ref(case.person_id) if case.person_id else "",
                "text": text.strip(),
                "drop": ["text"],
            },
            now=now,
            config=config,
        )
    return done
