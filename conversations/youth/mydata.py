"""`/mydata`: everything stored about the youth, with readable words beside the codes."""

from __future__ import annotations

import json
from typing import Any

from conversations.core.messages import Attachment
from conversations.core.turn import Turn
from conversations.rules.regions import REGION_NAMES
from storage import audit, privacy

__all__ = ["explain_answers", "export"]

# application answers whose code has a button label (`choice.<field>.<code>`)
_LABELLED = ("diploma", "qpv", "situation", "social", "email")


def explain_answers(turn: Turn, answers: dict[str, Any]) -> dict[str, str]:
    """Each coded answer in words: "bac5" -> "Bac+5 (master, école)", "gua" -> "Guadeloupe"."""
    explained: dict[str, str] = {}
    criteria = {c.code: c.label(turn.locale) for c in turn.rules.social_criteria}
    for name, code in answers.items():
        if not isinstance(code, str) or not code:
            continue
        words: str | None = None
        if name == "region":
            words = REGION_NAMES.get(code.lower())
        elif name == "social" and code in criteria:
            words = criteria[code]
        elif name in _LABELLED:
            words = turn.label(f"choice.{name}.{code}")
        if words:
            explained[name] = words
    return explained


async def export(turn: Turn) -> Attachment:
    """The JSON file of everything stored about the person (audit-logged)."""
    data = await privacy.export_person(turn.session, turn.person, turn.now)
    for application in data["applications"]:
        application["answers_in_words"] = explain_answers(turn, application["answers"])
    await audit.record(
        turn.session,
        actor=f"person:{turn.person.id}",
        action="data_export",
        now=turn.now,
        subject_person_id=turn.person.id,
    )
    content = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    return Attachment(filename="mentorbot-my-data.json", content=content)
