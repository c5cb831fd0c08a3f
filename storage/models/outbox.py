"""The outbox table: one delivery row per proactive message, its status and priority."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

__all__ = ["Delivery", "DeliveryStatus", "Priority"]


class Priority(IntEnum):
    """Which proactive messages go first; only URGENT ones skip the one-a-day budget."""

    URGENT = 0  # staff alerts, answers to a person's own request (a review decision...)
    NORMAL = 1  # check-ins, reminders, introductions
    LOW = 2  # pulses, broadcasts


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    IN_DOUBT = "in_doubt"
    # never sent: too late ("not after" passed, e.g. an announcement once its event started)
    CANCELLED = "cancelled"


class Delivery(Base):
    """The outbox: one row per proactive message, written with the change that caused it."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    # a place rather than a person (e.g. "staff": the staff channel); then person_id is null
    destination: Mapped[str | None] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(default=Priority.NORMAL)
    channel: Mapped[str] = mapped_column(String(16))
    template: Mapped[str] = mapped_column(String(100))
    context: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # a dispatcher holds the row until then (another may take it after a crash)
    claimed_until: Mapped[datetime | None]
    # when the send call started: a row still `sending` long after that is in doubt
    sending_at: Mapped[datetime | None]
    # the platform's id of the posted message (Slack `ts`, Telegram message id)
    sent_ref: Mapped[str | None] = mapped_column(String(64))
    # rows with the same key are delivered one after the other, in the order they were
    # queued (a pair's messages to one side): none overtakes an earlier one still unsent
    order_key: Mapped[str | None] = mapped_column(String(64), index=True)
