"""Prometheus metrics: what `/metrics` serves.

Counters and histograms are fed by wrapping, here in the bot layer (nothing below `bot/`
knows of Prometheus): `MeasuredEngine` wraps the engine's `handle` (updates by platform and
outcome, handling latency), `MeasuredTicks` the scheduler's ticks (their duration). What the
database holds (deliveries by status, the outbox's depth and oldest due row, open cases,
announcements being sent) is read at scrape time by `refresh`, a few aggregate queries under
a short timeout, so a slow database makes a scrape say so (`mentorbot_database_up 0`)
instead of hanging it.

Each `Metrics` has its own `CollectorRegistry` (never the global one), so several builds in
one process (tests, the CLI) do not clash.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.clock import Clock
from conversations.core.messages import Incoming
from conversations.core.response import Response
from scheduler.ticks import TickReport, Ticks
from storage.metrics import Gauges, gauges

__all__ = [
    "DUPLICATE",
    "ERROR",
    "HANDLED",
    "PLATFORMS",
    "REFUSED",
    "MeasuredEngine",
    "MeasuredTicks",
    "Metrics",
    "outcome_of",
]

logger = logging.getLogger(__name__)

# the outcomes of one incoming event
HANDLED = "handled"
DUPLICATE = "duplicate"
REFUSED = "refused"
ERROR = "error"
PLATFORMS = ("telegram", "slack")
# a scrape waits this long for the database, then reports what it had (and database_up 0)
SCRAPE_TIMEOUT_SECONDS = 2.0
# handling an event: from a few milliseconds to Slack's 3-second acknowledgement and beyond
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TICK_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 300.0)


class _DatabaseGauges:
    """The custom collector: the last `Gauges` read, as Prometheus gauges."""

    def __init__(self) -> None:
        self.gauges = Gauges()
        self.up = False

    def collect(self) -> Iterator[Metric]:
        found = self.gauges
        up = GaugeMetricFamily(
            "mentorbot_database_up",
            "1 when the scrape's queries answered in time, 0 when the values below are stale",
        )
        up.add_metric([], 1.0 if self.up else 0.0)
        yield up
        deliveries = GaugeMetricFamily(
            "mentorbot_deliveries",
            "Outbox rows by platform and status",
            labels=["platform", "status"],
        )
        for (platform, status), count in sorted(found.deliveries.items()):
            deliveries.add_metric([platform, status], count)
        yield deliveries
        depth = GaugeMetricFamily(
            "mentorbot_outbox_depth",
            "Outbox rows still to send (pending or to retry), due or not",
            labels=["platform"],
        )
        oldest = GaugeMetricFamily(
            "mentorbot_outbox_oldest_due_seconds",
            "Seconds since the oldest row still to send became due (0: none is due)",
            labels=["platform"],
        )
        for platform in sorted({*PLATFORMS, *found.depth, *found.oldest_due_seconds}):
            depth.add_metric([platform], found.depth.get(platform, 0))
            oldest.add_metric([platform], found.oldest_due_seconds.get(platform, 0.0))
        yield depth
        yield oldest
        cases = GaugeMetricFamily(
            "mentorbot_cases_open", "Unresolved cases by state (open, taken)", labels=["state"]
        )
        for state in sorted({"open", "taken", *found.open_cases}):
            cases.add_metric([state], found.open_cases.get(state, 0))
        yield cases
        sent = GaugeMetricFamily(
            "mentorbot_announcement_sent",
            "Messages sent so far of an announcement being sent",
            labels=["announcement"],
        )
        total = GaugeMetricFamily(
            "mentorbot_announcement_recipients",
            "Messages queued in all for an announcement being sent",
            labels=["announcement"],
        )
        for progress in found.announcements:
            sent.add_metric([str(progress.announcement_id)], progress.sent)
            total.add_metric([str(progress.announcement_id)], progress.total)
        yield sent
        yield total


class Metrics:
    """The collectors of one process, in their own registry."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession] | None = None,
        clock: Clock | None = None,
        *,
        scrape_timeout: float = SCRAPE_TIMEOUT_SECONDS,
    ) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._sessions = sessions
        self._clock = clock
        self._scrape_timeout = scrape_timeout
        self.updates = Counter(
            "mentorbot_updates",
            "Incoming events (updates, Slack events and actions) by platform and outcome",
            ["platform", "outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "mentorbot_update_seconds",
            "Time the engine took to handle an incoming event",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.ticks = Histogram(
            "mentorbot_tick_seconds",
            "Duration of one run of the scheduler's ticks",
            buckets=TICK_BUCKETS,
            registry=self.registry,
        )
        self.tick_failures = Counter(
            "mentorbot_tick_failures",
            "Runs of the ticks that ended with an error",
            registry=self.registry,
        )
        self._database = _DatabaseGauges()
        self.registry.register(self._database)
        for platform in PLATFORMS:
            for outcome in (HANDLED, DUPLICATE, REFUSED, ERROR):
                self.updates.labels(platform, outcome)

    async def refresh(self) -> None:
        """Read the database's gauges for the next exposition (at most `scrape_timeout`
        seconds; on a timeout or a database error the previous values stay, marked stale)."""
        if self._sessions is None or self._clock is None:
            return
        try:
            async with asyncio.timeout(self._scrape_timeout), self._sessions() as session:
                self._database.gauges = await gauges(session, self._clock.now())
        except (TimeoutError, SQLAlchemyError, OSError) as error:
            logger.warning("metrics: the database did not answer (%s)", type(error).__name__)
            self._database.up = False
            return
        self._database.up = True


class Handles(Protocol):
    """The engine, as the adapters see it."""

    async def handle(self, incoming: Incoming) -> Response: ...


def outcome_of(response: Response) -> str:
    """How the engine dealt with the event, as it says in its response."""
    return str(response.outcome)


class MeasuredEngine:
    """The engine, counted: each event by platform and outcome, and how long it took."""

    def __init__(
        self,
        engine: Handles,
        metrics: Metrics,
        *,
        monotonic: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._engine = engine
        self._metrics = metrics
        self._monotonic = monotonic

    async def handle(self, incoming: Incoming) -> Response:
        platform = str(incoming.channel)
        started = self._monotonic()
        try:
            response = await self._engine.handle(incoming)
        except BaseException as error:
            if not isinstance(error, asyncio.CancelledError):
                self._metrics.updates.labels(platform, ERROR).inc()
            raise
        finally:
            self._metrics.latency.labels(platform).observe(self._monotonic() - started)
        self._metrics.updates.labels(platform, outcome_of(response)).inc()
        return response


class MeasuredTicks(Ticks):
    """The scheduler's ticks, timed."""

    def __init__(
        self,
        *args: Any,
        metrics: Metrics,
        monotonic: Callable[[], float] = time.perf_counter,
        **kwargs: Any,
    ) -> None:
        # the arguments of `Ticks`, whatever they become
        super().__init__(*args, **kwargs)
        self._metrics = metrics
        self._monotonic = monotonic

    async def run(self, now: datetime) -> TickReport:
        started = self._monotonic()
        try:
            return await super().run(now)
        except Exception:
            self._metrics.tick_failures.inc()
            raise
        finally:
            self._metrics.ticks.observe(self._monotonic() - started)
