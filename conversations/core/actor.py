"""Who is talking: the person behind an incoming event and their roles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from conversations.core.messages import Channel
from storage.models import Person, Role


class StaffDirectory(Protocol):
    """Who is on the staff (settings today, a Slack user group later)."""

    async def is_staff(self, channel: Channel, external_id: str) -> bool: ...


class NoStaff:
    """The directory of a deployment without staff on a chat platform (terminal only)."""

    async def is_staff(self, channel: Channel, external_id: str) -> bool:
        return False


@dataclass(frozen=True)
class Actor:
    """The person (None for a staff member the bot has no record of) and their roles; one
    person can be staff and mentor."""

    channel: Channel
    external_id: str
    person: Person | None
    is_staff: bool = False

    @property
    def is_youth(self) -> bool:
        return self.person is not None and self.person.role == Role.YOUTH

    @property
    def is_mentor(self) -> bool:
        person = self.person
        return person is not None and person.role == Role.MENTOR and person.erased_at is None

    @property
    def reference(self) -> str:
        """How the audit log names this actor."""
        if self.person is not None:
            return f"{self.person.role}:{self.person.id}"
        return f"{self.channel}:{self.external_id}"
