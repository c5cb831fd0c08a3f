"""Eligibility applications: a youth's answers, the decision and the rules that made it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base

__all__ = ["Application", "ApplicationStatus"]


class ApplicationStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    DECIDED = "decided"
    ABANDONED = "abandoned"


class Application(Base):
    """A youth's eligibility application: answers, decision, reasons and the rules version."""

    __tablename__ = "application"
    __table_args__ = (Index("ix_application_decision_status", "decision", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.IN_PROGRESS)
    # where the registration came from (deep link payload), e.g. a partner agency
    source: Mapped[str | None] = mapped_column(String(64))
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decision: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    rules_version: Mapped[str | None] = mapped_column(String(32))
    # region kept apart from answers so anonymised statistics survive an erasure
    region: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    review_note: Mapped[str | None] = mapped_column(Text)
