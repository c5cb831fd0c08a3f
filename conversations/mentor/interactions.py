"""What the mentor's forms share: the kinds of interaction in a pair's log, how a contact
happened, the "which mentee?" question, the limits of a note, and a logged day as a moment.

The contact log (`contact_log`), the concern (`concern`), the outcome report (`outcome`)
and the check-in's answers (`checkin`) each store one interaction of a kind from `Kind`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from conversations.core.codec import parse_id
from conversations.core.messages import Channel, Choice, FieldKind, FormField
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import PairSummary
from storage.models import Interaction

__all__ = [
    "CONTACT_KINDS",
    "MAX_NOTE",
    "MENTOR_MESSAGE_CHANNEL",
    "MESSAGES_WINDOW",
    "MODAL_NOTE",
    "Answers",
    "How",
    "Kind",
    "alert_key",
    "chosen_pair",
    "local_noon",
    "options",
    "pair_field",
]

# longest note we store; a modal input allows 3,000 characters, the rest is a safety margin
MAX_NOTE = 5000
MODAL_NOTE = 3000

# a submitted form's values, by field name
Answers = Mapping[str, object]


class Kind(StrEnum):
    """Kinds of interaction in the log."""

    CONTACT = "contact"
    FIRST_MEETING = "first_meeting"
    NO_CONTACT_YET = "no_contact_yet"
    UNREACHABLE = "unreachable"
    CONCERN = "concern"
    OUTCOME = "outcome"
    # a message relayed between the pair (`conversations.pairs.relay`; no text kept): its
    # `channel` says which side wrote it (slack: the mentor, telegram: the youth)
    MESSAGE = "message"


# interactions that show the pair was in touch
CONTACT_KINDS = (Kind.CONTACT, Kind.FIRST_MEETING)
# relayed messages count as the mentor being in touch when the mentor wrote them
MENTOR_MESSAGE_CHANNEL = Channel.SLACK
# how far back the check-in counts the messages the pair exchanged ("this month")
MESSAGES_WINDOW = timedelta(days=30)


class How(StrEnum):
    """How a contact happened."""

    MEETING = "meeting"
    VIDEO = "video"
    CALL = "call"
    MESSAGES = "messages"


def options(name: str, values: type[StrEnum]) -> tuple[Choice, ...]:
    """A form question's choices, one per member of `values` (labels `choice.<name>.<value>`)."""
    return tuple(Choice(f"choice.{name}.{v.value}", v.value) for v in values)


def pair_field(pairs: Sequence[PairSummary], label_key: str) -> FormField:
    """The question "which mentee?" for a mentor with several pairs."""
    return FormField(
        "pairing",
        FieldKind.SINGLE,
        label_key,
        tuple(
            Choice("choice.raw", str(p.pairing_id), {"label": p.mentee or f"#{p.pairing_id}"})
            for p in pairs
        ),
    )


def chosen_pair(values: Answers, errors: dict[str, str]) -> int | None:
    """The pairing picked in a form's "which mentee?" question (an error when missing)."""
    raw = values.get("pairing")
    pairing_id = parse_id(raw) if isinstance(raw, str) else None
    if pairing_id is None:
        errors["pairing"] = "form.required"
    return pairing_id


def local_noon(day: date, config: ProgrammeConfig) -> datetime:
    """A logged day as a moment: noon in the programme's time zone, in UTC."""
    return datetime.combine(day, time(12), tzinfo=config.zone).astimezone(UTC)


def alert_key(interaction: Interaction) -> str:
    """The outbox key of the staff alert an interaction raised (a concern, a call for help,
    an outcome): one alert per interaction."""
    return f"alert:interaction:{interaction.id}"
