"""Opening a case, and what the person who asked does with it afterwards. Here because both
sides (and the scheduler) open cases and the youth's and mentor's routers reach their case
from here; what staff do with one (take, answer, resolve) is `conversations.staff.cases`.

    someone asks (/human, "ask the team", a concern) --> `open_case`: a post in the staff
        channel (who, what, the pair; "I'll take it", "Resolved", "View the pair") whose
        thread is the case's: staff reply there, the reply reaches the person
    the scheduler raises an alert --> `open_alert`: a case, listed in the day's digest of
        its topic (one post per topic and day, never one per pair)
    staff answered --> the person's next messages go to the case's thread (`answered_case_of`,
        `person_replied`) until it is resolved
    nobody took it for 2 working days --> raised again once (`raise_again_at`, the tick)

Every post to the staff channel goes through `conversations.pairs.alerts`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Attachment, Channel, Kind
from conversations.core.programme import ProgrammeConfig
from conversations.core.turn import Turn
from conversations.pairs.alerts import (
    DIGEST_LINES,
    again_to_staff,
    alerts_to_digest,
    case_to_staff,
    take_choice,
    to_case_thread,
    view_pair_choice,
)
from conversations.rules.calendar import SendingWindow, is_holiday
from storage import audit, batches, cases, outbox, relay_files
from storage.models import Case, Delivery, Pairing

__all__ = [
    "ANSWER_TEMPLATES",
    "RAISE_AGAIN_WORKING_DAYS",
    "Alert",
    "add_to_case",
    "answer_undelivered",
    "answered_case_of",
    "case_choices",
    "open_alert",
    "open_alerts",
    "open_case",
    "opened_key",
    "person_replied",
    "raise_again",
    "raise_again_at",
    "relayed_files",
]

# an open case nobody took is raised again after this many working days (once)
RAISE_AGAIN_WORKING_DAYS = 2
# what staff answers are queued as, to a youth (Telegram) or a mentor (Slack)
ANSWER_TEMPLATES = ("human.team_answer", "case.answer")


def opened_key(case_id: int) -> str:
    """The outbox key of a case's post in the staff channel."""
    return f"case:{case_id}:opened"


def case_choices(case_id: int, pairing_id: int | None) -> list[list[str]]:
    """The buttons of a case's post, as stored with the outbox message."""
    choices = [
        ["choice.staff.take_case", codec.encode("ct", case_id)],
        ["choice.staff.resolve_case", codec.encode("cr2", case_id)],
    ]
    if pairing_id is not None:
        choices.append(view_pair_choice(pairing_id))
    return choices


def raise_again_at(
    opened_at: datetime,
    window: SendingWindow,
    zone: ZoneInfo,
    working_days: int = RAISE_AGAIN_WORKING_DAYS,
) -> datetime:
    """When a case opened at `opened_at` and still untaken is raised again: the same time of
    day `working_days` working days later (week-ends and French public holidays skipped, in
    the programme's time zone). A case opened on a day off counts from the opening of the
    next working day."""
    local = opened_at.astimezone(zone)
    day, at = local.date(), local.time().replace(microsecond=0)
    if not _working(day, window):
        while not _working(day, window):
            day += timedelta(days=1)
        at = window.opens
    counted = 0
    while counted < working_days:
        day += timedelta(days=1)
        if _working(day, window):
            counted += 1
    return datetime.combine(day, at, zone).astimezone(UTC)


def _working(day: date, window: SendingWindow) -> bool:
    """A working day of the programme (its sending days, public holidays excepted)."""
    if day.weekday() not in window.weekdays:
        return False
    return not (window.skip_public_holidays and is_holiday(day))


async def open_case(
    session: AsyncSession,
    *,
    kind: str,
    person_id: int | None,
    pairing_id: int | None,
    text: str | None,
    now: datetime,
    config: ProgrammeConfig,
    topic: str | None = None,
) -> Case:
    """A new open case, and its post queued for the staff channel (its thread, once posted,
    is the case's: staff replies there reach the person). `topic` says what it is about
    when the person wrote nothing ("under_minimum_age", "unreachable"...)."""
    case = await cases.open_case(
        session,
        kind=kind,
        person_id=person_id,
        pairing_id=pairing_id,
        text=text,
        now=now,
        topic=topic,
        raise_again_at=raise_again_at(now, config.nudges.window, config.zone),
    )
    context: dict[str, Any] = {
        "case_id": case.id,
        "case_kind": kind,
        "topic": topic or "",
        "person_id": person_id,
        "who": outbox.person_ref(person_id) if person_id is not None else "",
        "pairing": pairing_id,
        "text": case.text or "",
        "choices": case_choices(case.id, pairing_id),
        "anchor": {"case": case.id},
    }
    pairing = await session.get(Pairing, pairing_id) if pairing_id is not None else None
    if pairing is not None:
        context["mentor"] = outbox.person_ref(pairing.mentor_id)
        context["mentee"] = outbox.person_ref(pairing.youth_id)
    await case_to_staff(session, key=opened_key(case.id), context=context, now=now, config=config)
    return case


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert of a batch for `open_alerts`: about `pairing`, unless a case of the topic
    was opened for it at or after `since`; `days` for the digest line."""

    pairing: Pairing
    since: datetime
    days: int | None = None


async def open_alert(
    session: AsyncSession,
    *,
    pairing: Pairing,
    topic: str,
    since: datetime,
    actor: str,
    now: datetime,
    config: ProgrammeConfig,
    days: int | None = None,
) -> Case | None:
    """An alert the scheduler raises about a pair (`topic`: "at_risk",
    "first_meeting_missing", "checkin_unanswered"...) opens a case, listed in the day's
    digest of that topic. Once per alert: None when a case of that topic was opened for
    the pair at or after `since` (the start of the silence, of the month...)."""
    opened = await open_alerts(
        session,
        [Alert(pairing, since, days)],
        topic=topic,
        actor=actor,
        now=now,
        config=config,
    )
    return opened.get(pairing.id)


async def open_alerts(
    session: AsyncSession,
    alerts: Sequence[Alert],
    *,
    topic: str,
    actor: str,
    now: datetime,
    config: ProgrammeConfig,
) -> dict[int, Case]:
    """`open_alert` for a batch of alerts of one topic: the cases opened, by pairing id
    (a pair already alerted since its `since`, or twice in the batch, gets one case at most)."""
    first: dict[int, Alert] = {}
    for alert in alerts:
        first.setdefault(alert.pairing.id, alert)
    raised = await batches.alerted_since(
        session, topic, {pairing_id: alert.since for pairing_id, alert in first.items()}
    )
    fresh = [alert for pairing_id, alert in first.items() if pairing_id not in raised]
    if not fresh:
        return {}
    made = await batches.open_alert_cases(
        session,
        [alert.pairing.id for alert in fresh],
        topic=topic,
        now=now,
        raise_again_at=raise_again_at(now, config.nudges.window, config.zone),
    )
    await alerts_to_digest(
        session,
        topic=topic,
        entries=[
            {
                "case_id": made[alert.pairing.id].id,
                "pairing": alert.pairing.id,
                "mentor": outbox.person_ref(alert.pairing.mentor_id),
                "mentee": outbox.person_ref(alert.pairing.youth_id),
                "days": alert.days,
            }
            for alert in fresh
        ],
        now=now,
        config=config,
    )
    for alert in fresh:
        await audit.record(
            session,
            actor=actor,
            action="staff_alerted",
            now=now,
            subject_person_id=alert.pairing.youth_id,
            detail={"pairing": alert.pairing.id, "kind": topic, "case": made[alert.pairing.id].id},
        )
    return made


async def answered_case_of(session: AsyncSession, person_id: int) -> Case | None:
    """The person's case not yet resolved that staff have answered (the newest), if any:
    what they write next goes to its thread."""
    for case in await cases.unresolved_of_person(session, person_id):
        if await cases.answered(session, case.id, ANSWER_TEMPLATES):
            return case
    return None


async def relayed_files(
    session: AsyncSession, files: tuple[Attachment, ...], now: datetime
) -> list[int]:
    """Files that came with a message, kept until delivered (their ids for the contexts)."""
    return [
        await relay_files.store(
            session, filename=f.filename, mime_type=f.mime_type, content=f.content, now=now
        )
        for f in files
        if len(f.content) <= relay_files.MAX_FILE_BYTES
    ]


async def add_to_case(
    session: AsyncSession,
    case: Case,
    *,
    person_id: int,
    text: str,
    file_ids: list[int],
    ref: str,
    now: datetime,
    config: ProgrammeConfig,
) -> None:
    """The person's message (and files) posted in the case's thread, at once; `ref` makes
    its outbox key (the platform event, so a redelivered message is posted once)."""
    parts: list[tuple[str, int | None]] = [(text, file_ids[0] if file_ids else None)]
    parts += [("", file_id) for file_id in file_ids[1:]]
    for index, (part, file_id) in enumerate(parts):
        context: dict[str, Any] = {
            "case_id": case.id,
            "who": outbox.person_ref(person_id),
            "text": part,
            "drop": ["text"],
        }
        if file_id is not None:
            context["file"] = file_id
        await to_case_thread(
            session,
            case,
            key=f"case:{case.id}:from_person:{ref}:{index}",
            template="staff.case_reply",
            context=context,
            now=now,
            config=config,
        )


async def person_replied(turn: Turn, case: Case) -> None:
    """What the person wrote (text, a file) goes to the case's thread in the staff channel;
    they are told it went ("✓ sent to the team"). A sticker or a voice note cannot be
    passed on: they are told so."""
    incoming = turn.incoming
    slack = incoming.channel is Channel.SLACK
    area = "case" if slack else "human"
    if incoming.kind not in (Kind.TEXT, Kind.FILE):
        turn.say(f"{area}.not_passed")
        return
    text = incoming.text.strip()
    file_ids = await relayed_files(turn.session, incoming.files, turn.now)
    if incoming.file_refused and not file_ids:
        turn.say(f"{area}.file_refused", refused=incoming.file_refused)
        if not text:
            return
    if not text and not file_ids:
        turn.say("common.empty")
        return
    ref = incoming.event_id or uuid.uuid4().hex
    await add_to_case(
        turn.session,
        case,
        person_id=turn.person.id,
        text=text,
        file_ids=file_ids,
        ref=ref,
        now=turn.now,
        config=turn.config,
    )
    turn.say(f"{area}.sent", case_id=case.id)


async def raise_again(
    session: AsyncSession, due: list[Case], *, now: datetime, config: ProgrammeConfig
) -> None:
    """Cases nobody took for `RAISE_AGAIN_WORKING_DAYS` working days, raised again once:
    one post listing them (a line and an "I'll take it" each), never one per case."""
    for start in range(0, len(due), DIGEST_LINES):
        batch = due[start : start + DIGEST_LINES]
        waiting: list[dict[str, Any]] = []
        for case in batch:
            pairing = await session.get(Pairing, case.pairing_id) if case.pairing_id else None
            waiting.append(
                {
                    "case_id": case.id,
                    "case_kind": case.kind,
                    "topic": case.topic or "",
                    "who": outbox.person_ref(case.person_id) if case.person_id else "",
                    "pairing": case.pairing_id,
                    "mentor": outbox.person_ref(pairing.mentor_id) if pairing else "",
                    "mentee": outbox.person_ref(pairing.youth_id) if pairing else "",
                    "opened_at": case.opened_at.isoformat(),
                }
            )
            cases.raised_again(case, now=now)
        await again_to_staff(
            session,
            key=f"cases:again:{batch[0].id}:{batch[-1].id}:{now:%Y%m%dT%H%M%S}",
            context={
                "waiting": waiting,
                "days": RAISE_AGAIN_WORKING_DAYS,
                "choices": [take_choice(case.id) for case in batch],
            },
            now=now,
            config=config,
        )


# a staff member's answer to the person who asked (`conversations.staff.case_answers`)
_ANSWER_KEY = re.compile(r"case:([0-9]{1,19}):answer:")


async def answer_undelivered(
    session: AsyncSession, delivery: Delivery, now: datetime, *, config: ProgrammeConfig
) -> bool:
    """The dispatcher gave up on `delivery`: if it was a staff answer in a case, staff are
    told in the case's thread that the person did not get it (they blocked the bot, left
    Slack...), once per case and answer; returns whether it was one."""
    if delivery.template not in ANSWER_TEMPLATES:
        return False
    found = _ANSWER_KEY.match(delivery.idempotency_key or "")
    case = await cases.get(session, int(found.group(1))) if found else None
    if case is None:
        return False
    await to_case_thread(
        session,
        case,
        # one line per answer (its parts share the answer's reference)
        key=f"case:{case.id}:undelivered:{delivery.idempotency_key.split(':')[3]}",
        template="staff.case_undelivered",
        context={"case_id": case.id, "channel": delivery.channel},
        now=now,
        config=config,
    )
    return True
