"""People in touch: the Slack threads that stand for a pair or a case, files on their way
from one side to the other, and first meetings a mentor proposes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

__all__ = ["Meeting", "MeetingState", "RelayFile", "Thread"]


class Thread(Base):
    """A posted message whose thread stands for a pair (the mentor's introduction, in the
    bot's direct messages) or a case (its post in the staff channel): a reply in that thread
    is about that pair or case. Written when the outbox has posted the message."""

    __tablename__ = "thread"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # where it was posted (a Slack DM or channel id) and the message's own id (Slack `ts`)
    chat_id: Mapped[str] = mapped_column(String(64))
    ts: Mapped[str] = mapped_column(String(64))
    pairing_id: Mapped[int | None] = mapped_column(
        ForeignKey("pairing.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]


class RelayFile(Base):
    """A file one side of a pair sent to the other, held only until it is delivered (the
    delivery's context names it by id; the dispatcher deletes it once sent or given up)."""

    __tablename__ = "relay_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class MeetingState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    # the youth asked for another time: the mentor proposes again
    DECLINED = "declined"
    CANCELLED = "cancelled"
    # after the date, the mentor said whether it took place
    HELD = "held"
    NOT_HELD = "not_held"


class Meeting(Base):
    """A first meeting a mentor proposed: the youth's answer, the reminder the day before
    and the one question afterwards (due dates are indexed: the scheduler reads them)."""

    __tablename__ = "meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    pairing_id: Mapped[int] = mapped_column(
        ForeignKey("pairing.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    # where: a place or "video call", as the mentor typed it (kept short)
    place: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=MeetingState.PROPOSED, index=True)
    proposed_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    reminder_due_at: Mapped[datetime | None] = mapped_column(index=True)
    reminded_at: Mapped[datetime | None]
    followup_due_at: Mapped[datetime | None] = mapped_column(index=True)
    followed_up_at: Mapped[datetime | None]
