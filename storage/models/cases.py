"""Cases: someone asked for a person on the staff (or an alert needs one), as a post in the
staff channel that a staff member takes and resolves."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

__all__ = ["Case", "CaseKind", "CaseState"]

# the longest question or summary a case keeps
MAX_CASE_TEXT = 1000


class CaseKind(StrEnum):
    HUMAN = "human"  # a youth's /human, a mentor's "ask the team"
    CONCERN = "concern"  # a mentor's concern about a pair
    HELP = "help"  # a call for help, a question the FAQ could not answer
    ALERT = "alert"  # raised by the scheduler (pair at risk, first meeting missing...)


class CaseState(StrEnum):
    OPEN = "open"
    TAKEN = "taken"
    RESOLVED = "resolved"


class Case(Base):
    """One case; its text is erased with the person who asked."""

    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    pairing_id: Mapped[int | None] = mapped_column(ForeignKey("pairing.id", ondelete="SET NULL"))
    text: Mapped[str | None] = mapped_column(String(MAX_CASE_TEXT))
    state: Mapped[str] = mapped_column(String(16), default=CaseState.OPEN, index=True)
    # the Slack user id of the staff member who took it
    owner: Mapped[str | None] = mapped_column(String(64))
    # the staff-channel post (its thread), once the outbox has sent it
    staff_channel_ts: Mapped[str | None] = mapped_column(String(64))
    # what an alert is about ("at_risk", "first_meeting"...): alerts of one topic raised the
    # same day are one digest post
    topic: Mapped[str | None] = mapped_column(String(32))
    opened_at: Mapped[datetime]
    # nobody took it by then (2 working days): raised again once
    raise_again_at: Mapped[datetime | None] = mapped_column(index=True)
    raised_again_at: Mapped[datetime | None]
    taken_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
