"""The per-person inbound throttle: more than a set number of messages in a rolling minute,
one polite message, then the person is ignored for a pause.

It protects the bot and the database from a flood (a youth mashing a button, a script), not
a quota: it counts in memory, per process, before the event's transaction, so an ignored
event costs no database work at all. With several replicas behind a load balancer each
counts what it receives, so a person's effective limit is at most the limit times the
number of replicas; that is enough to stop a flood, and keeps the engine's hot path free of
a statement. A redelivered event (the same platform event id) is not counted twice.
Memory stays bounded: people quiet for longer than the window (and not paused) are dropped
once a window.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["Throttle", "Verdict"]

WINDOW = timedelta(minutes=1)


class Verdict(StrEnum):
    """What to do with one event."""

    # handle it as usual
    HANDLE = "handle"
    # the one that crossed the limit: tell the person, kindly, and handle nothing else
    TELL = "tell"
    # within the pause: drop it without a word (and without touching the database)
    IGNORE = "ignore"


@dataclass
class _Sender:
    # (when, platform event id) of the events counted in the current window, oldest first
    seen: deque[tuple[datetime, str | None]] = field(default_factory=deque)
    paused_until: datetime | None = None


class Throttle:
    """Counts each person's events in a rolling minute (`check` per event)."""

    def __init__(self, per_minute: int, pause: timedelta, window: timedelta = WINDOW) -> None:
        if per_minute < 1 or pause <= timedelta(0) or window <= timedelta(0):
            raise ValueError("the limit, the pause and the window must be positive")
        self.per_minute = per_minute
        self.pause = pause
        self.window = window
        self._senders: dict[str, _Sender] = {}
        self._swept_at: datetime | None = None

    def __len__(self) -> int:
        """How many people are remembered (tests, metrics)."""
        return len(self._senders)

    def check(self, who: str, event_id: str | None, now: datetime) -> Verdict:
        """Count one event of `who` (a channel and external id) at `now`."""
        self._sweep(now)
        sender = self._senders.get(who)
        if sender is None:
            sender = self._senders[who] = _Sender()
        if sender.paused_until is not None:
            if now < sender.paused_until:
                return Verdict.IGNORE
            # the pause is over: a fresh start
            sender.paused_until = None
            sender.seen.clear()
        seen = sender.seen
        since = now - self.window
        while seen and seen[0][0] <= since:
            seen.popleft()
        if event_id is not None and any(seen_id == event_id for _, seen_id in seen):
            # delivered again (a 503, a lost acknowledgement): counted the first time
            return Verdict.HANDLE
        seen.append((now, event_id))
        if len(seen) <= self.per_minute:
            return Verdict.HANDLE
        sender.paused_until = now + self.pause
        seen.clear()
        return Verdict.TELL

    def _sweep(self, now: datetime) -> None:
        """Forget the people who have been quiet for a window (once a window)."""
        if self._swept_at is not None and now - self._swept_at < self.window:
            return
        self._swept_at = now
        since = now - self.window
        quiet = [
            who
            for who, sender in self._senders.items()
            if (sender.paused_until is None or sender.paused_until <= now)
            and (not sender.seen or sender.seen[-1][0] <= since)
        ]
        for who in quiet:
            del self._senders[who]
