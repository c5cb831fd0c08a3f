"""Opening a case: anyone (a youth's `/human`, a mentor, an alert) asks for a person on the
staff. Here because both sides open cases; what staff do with one (take it, resolve it) is
`conversations.staff.cases`.

The case's post in the staff channel goes through `alerts.case_to_staff` (the one way to the
staff channel): who asked (named at send time, so an erasure leaves no name in the outbox),
what they wrote, and the buttons "I'll take it" and "Resolved".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.programme import ProgrammeConfig
from conversations.pairs.alerts import case_to_staff, view_pair_choice
from storage import cases, outbox
from storage.models import Case

__all__ = ["case_choices", "open_case", "opened_key"]


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


async def open_case(
    session: AsyncSession,
    *,
    kind: str,
    person_id: int | None,
    pairing_id: int | None,
    text: str | None,
    now: datetime,
    config: ProgrammeConfig,
) -> Case:
    """A new open case, and its post queued for the staff channel."""
    case = await cases.open_case(
        session, kind=kind, person_id=person_id, pairing_id=pairing_id, text=text, now=now
    )
    context: dict[str, Any] = {
        "case_id": case.id,
        "case_kind": kind,
        "person_id": person_id,
        "who": outbox.person_ref(person_id) if person_id is not None else "",
        "pairing": pairing_id,
        "text": case.text or "",
        "choices": case_choices(case.id, pairing_id),
    }
    await case_to_staff(session, key=opened_key(case.id), context=context, now=now, config=config)
    return case
