"""People and what the bot keeps per person: channel identities, where they are in a flow,
the platform events already handled, and their requests to talk to a human."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base

__all__ = [
    "ConversationState",
    "Identity",
    "Invite",
    "Person",
    "ProcessedEvent",
    "Role",
    "SupportRequest",
]


class Role(StrEnum):
    YOUTH = "youth"
    MENTOR = "mentor"
    STAFF = "staff"


class Person(Base):
    """Someone the bot knows. Personal fields are cleared on erasure (`erased_at` set)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8), default="fr")
    created_at: Mapped[datetime]
    consent_at: Mapped[datetime | None]
    consent_declined_at: Mapped[datetime | None]
    # the bot could not reach them (blocked the bot); staff can see it
    unreachable_at: Mapped[datetime | None]
    # they turned event announcements off (`/announcements off`, the App Home toggle)
    announcements_opt_out_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    # region code (see conversations.rules.regions): time zone and public holidays for nudges
    region: Mapped[str | None] = mapped_column(String(32))
    # the local day the last budgeted proactive message went out (one a day at most)
    last_proactive_on: Mapped[date | None] = mapped_column(Date)
    # an imported person's key (sha256 of role and normalised email): a re-import finds
    # them instead of adding them again; cleared on erasure
    import_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    identities: Mapped[list[Identity]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class Identity(Base):
    """A person's account on one channel (Telegram user id, Slack user id...)."""

    __tablename__ = "identity"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    # where to write to them (a Telegram private chat id equals the user id)
    chat_id: Mapped[str | None] = mapped_column(String(64))

    person: Mapped[Person] = relationship(back_populates="identities")


class ConversationState(Base):
    """Where a person is in a flow: survives restarts and is shared by replicas."""

    __tablename__ = "conversation_state"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class ProcessedEvent(Base):
    """Platform event ids already handled: a redelivered update changes nothing twice."""

    __tablename__ = "processed_event"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)


class SupportRequest(Base):
    """A person asked to talk to a human (`/human`), or staff must look at something."""

    __tablename__ = "support_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_by: Mapped[str | None] = mapped_column(String(100))


class Invite(Base):
    """A single-use personal deep link (`t.me/<bot>?start=<token>`) for a person imported
    before they were on Telegram: starting the bot with it links the record."""

    __tablename__ = "invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    used_at: Mapped[datetime | None]
