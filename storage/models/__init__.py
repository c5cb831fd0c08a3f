"""Database tables (SQLAlchemy 2 typed models), one module per area. Alembic owns the
schema: see `storage/migrations/`.

Import the tables from here (`from storage.models import Person`); importing this package
registers every table on `Base.metadata`, which the migrations compare against.
"""

from __future__ import annotations

from storage.models.applications import Application, ApplicationStatus
from storage.models.audit import AuditLog
from storage.models.base import NAMING_CONVENTION, Base, UTCDateTime
from storage.models.cases import Case, CaseKind, CaseState
from storage.models.events import (
    Announcement,
    AnnouncementStatus,
    Event,
    EventKind,
    EventState,
    Rsvp,
    RsvpAnswer,
)
from storage.models.mentoring import (
    Checkin,
    CheckinAnswer,
    CloseReason,
    Interaction,
    MentorProfile,
    MentorStatus,
    Outcome,
    Pairing,
    PairingStatus,
)
from storage.models.outbox import Delivery, DeliveryStatus, Priority
from storage.models.people import (
    ConversationState,
    Identity,
    Invite,
    Person,
    ProcessedEvent,
    Role,
    SupportRequest,
)
from storage.models.relay import Meeting, MeetingState, RelayFile, Thread

__all__ = [
    "NAMING_CONVENTION",
    "Announcement",
    "AnnouncementStatus",
    "Application",
    "ApplicationStatus",
    "AuditLog",
    "Base",
    "Case",
    "CaseKind",
    "CaseState",
    "Checkin",
    "CheckinAnswer",
    "CloseReason",
    "ConversationState",
    "Delivery",
    "DeliveryStatus",
    "Event",
    "EventKind",
    "EventState",
    "Identity",
    "Interaction",
    "Invite",
    "Meeting",
    "MeetingState",
    "MentorProfile",
    "MentorStatus",
    "Outcome",
    "Pairing",
    "PairingStatus",
    "Person",
    "Priority",
    "ProcessedEvent",
    "RelayFile",
    "Role",
    "Rsvp",
    "RsvpAnswer",
    "SupportRequest",
    "Thread",
    "UTCDateTime",
]
