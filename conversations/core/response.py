"""What the engine hands back to an adapter after one incoming event (`Response`), and the
polite refusal any flow may raise (`NotAllowed`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from conversations.core.messages import Attachment, Choice, Form, Reply


@dataclass(frozen=True)
class PairSummary:
    """One line of a mentor's pairs (App Home, `/mentorbot pairs`)."""

    pairing_id: int
    status: str
    mentee: str
    project: str
    started_at: datetime | None
    first_meeting_at: datetime | None
    last_contact_at: datetime | None
    next_checkin_due_at: datetime | None
    # an outcome is recorded (the "found a job" button is no longer offered)
    has_outcome: bool = False
    # the youth erased their data: no name to show
    erased: bool = False


@dataclass(frozen=True)
class CaseLine:
    """An unresolved case as a staff member's App Home lists it."""

    case_id: int
    case_kind: str
    topic: str
    opened_at: datetime
    # who asked (first name; empty for an alert or an erased person)
    who: str
    pairing: int | None = None


@dataclass(frozen=True)
class WaitingLine:
    """An eligible youth waiting for a mentor, with a "Suggest mentors" button."""

    youth_id: int
    name: str
    region: str
    waiting_days: int


@dataclass(frozen=True)
class StaffHome:
    """The staff part of an App Home: last month's main figures (the report's summary
    variables; empty when nothing happened), open cases, waiting youths."""

    period: str
    figures: Mapping[str, Any]
    open_cases: int
    cases: tuple[CaseLine, ...]
    waiting: int
    youths: tuple[WaitingLine, ...]


@dataclass(frozen=True)
class Home:
    """What a person's App Home shows: a mentor's pairs (`known`: the bot knows them as a
    mentor), the staff part for staff (`staff`), or that the bot does not know them."""

    locale: str
    known: bool
    pairs: tuple[PairSummary, ...] = ()
    paused_until: date | None = None
    # event announcements reach them (the Home's on/off toggle)
    announcements: bool = True
    # the mentor takes new mentees (the Home's "Not taking new mentees" toggle)
    accepting: bool = True
    staff: StaffHome | None = None


class Outcome(StrEnum):
    """How the engine dealt with an event (what /metrics counts)."""

    HANDLED = "handled"
    DUPLICATE = "duplicate"
    REFUSED = "refused"  # throttled, or a non-staff member at a staff door


@dataclass
class Response:
    """What the adapter does next, in this order: show `form_errors` in the open form (the
    form stays open with what was typed), replace the pressed message by `update` (answered
    buttons become a line of text), open `form`, post `replies`, refresh the App Home."""

    replies: list[Reply] = field(default_factory=list)
    form: Form | None = None
    # field name -> template key; nothing was stored when a form comes back with errors
    form_errors: dict[str, str] = field(default_factory=dict)
    # the values some of those error templates need (field name -> context: a line number)
    form_error_context: dict[str, dict[str, Any]] = field(default_factory=dict)
    update: Reply | None = None
    # the pressed button's question is settled: its message shows the answer, not buttons
    answered: bool = False
    # shown in a window of its own where the platform has one (a Slack modal from a button)
    info: Reply | None = None
    refresh_home: bool = False
    # the App Home to publish (set by the router when `refresh_home` asked for it)
    home: Home | None = None
    # the language of the person it answers (form errors are rendered in it)
    locale: str = "fr"
    outcome: Outcome = Outcome.HANDLED

    # the older name of `replies`' builder, used by the mentor flows
    def say(
        self,
        key: str,
        locale: str,
        choices: tuple[Choice, ...] = (),
        *,
        columns: int = 1,
        attachment: Attachment | None = None,
        **context: Any,
    ) -> None:
        self.replies.append(
            Reply(
                key=key,
                context=context,
                choices=choices,
                locale=locale,
                columns=columns,
                attachment=attachment,
            )
        )

    def merge(self, other: Response) -> None:
        """Add what another piece of work produced (replies appended, the rest replaced)."""
        self.replies.extend(other.replies)
        self.form = other.form or self.form
        self.form_errors.update(other.form_errors)
        self.update = other.update or self.update
        self.answered = self.answered or other.answered
        self.info = other.info or self.info
        self.refresh_home = self.refresh_home or other.refresh_home
        self.home = other.home or self.home


# The mentor flows' name for it.
Result = Response


class NotAllowed(Exception):
    """The person may not do this; `key` is the template that explains it politely. The
    engine answers with it and still commits the transaction (the refusal may be audited)."""

    def __init__(self, key: str, **context: Any) -> None:
        super().__init__(key)
        self.key = key
        self.context: Mapping[str, Any] = context
