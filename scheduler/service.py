"""The scheduler: a few periodic jobs in APScheduler (3.x, in memory), never one per pair.

Two jobs: the ticks (what is due, every minute by default) and the outbox dispatch (every
few seconds). The truth lives in the database, so a restart loses nothing and several
replicas may run the same ticks (each tick is safe to run concurrently). Each dispatch
round first asks the `Leadership` which platforms this replica sends (on PostgreSQL one
replica per platform at a time, so the configured rates are global), and sends only those.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from conversations.core.clock import Clock
from scheduler.dispatcher import Dispatcher, DispatchReport
from scheduler.leadership import Leadership, SoleLeader
from scheduler.ticks import TickReport, Ticks
from storage.errors import error_name, unreachable

__all__ = ["Scheduler"]

logger = logging.getLogger(__name__)


class _StillRunning(logging.Filter):
    """APScheduler warns "skipped: maximum number of running instances reached" at each
    interval while a run goes on (a dispatch round of a few hundred messages at 30/s lasts
    longer than its 2 s interval): the expected case here, not a warning for operators."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_StillRunning())


class Scheduler:
    """Runs the ticks and the dispatcher periodically in the current event loop."""

    def __init__(
        self,
        ticks: Ticks,
        dispatcher: Dispatcher | None,
        clock: Clock,
        *,
        tick_seconds: float = 60,
        dispatch_seconds: float = 2,
        leadership: Leadership | None = None,
    ) -> None:
        self._ticks = ticks
        self._dispatcher = dispatcher
        # which platforms this replica sends; one that sends none tries again each round
        self._leadership = leadership or SoleLeader()
        self._leading: frozenset[str] = frozenset()
        # the jobs that found the database unreachable (said once, until it is back)
        self._waiting_for_database: set[str] = set()
        self._clock = clock
        self._tick_seconds = tick_seconds
        self._dispatch_seconds = dispatch_seconds
        self._scheduler: AsyncIOScheduler | None = None
        # held while a job runs, so stopping waits for it to finish
        self._busy = {"tick": asyncio.Lock(), "dispatch": asyncio.Lock()}

    async def tick(self) -> TickReport:
        """Compute what is due now and queue the messages."""
        async with self._busy["tick"]:
            report = await self._ticks.run(self._clock.now())
        if report.total:
            logger.info("scheduler tick: %s", report.counts)
        return report

    def paused(self) -> dict[str, float]:
        """Seconds each platform's sending is still paused for after a 429 (`/readyz`)."""
        return self._dispatcher.paused() if self._dispatcher is not None else {}

    @property
    def leading(self) -> frozenset[str]:
        """The platforms this replica dispatched at its last round."""
        return self._leading

    async def dispatch(self) -> DispatchReport:
        """Send what is due in the outbox, for the platforms this replica leads."""
        if self._dispatcher is None:
            return DispatchReport()
        async with self._busy["dispatch"]:
            leading = await self._leadership.lead(self._dispatcher.channels)
            for channel in sorted(leading - self._leading):
                freed = await self._dispatcher.take_over(channel)
                if freed:
                    logger.info(
                        "%s: %s rows the previous sender had claimed are free again", channel, freed
                    )
            self._leading = leading
            if not leading:
                return DispatchReport()
            return await self._dispatcher.run_once(leading)

    async def _safely(self, job: str) -> None:
        try:
            await (self.tick() if job == "tick" else self.dispatch())
        except asyncio.CancelledError:
            # stopping: the job's transaction was rolled back, its rows are due again (an
            # outbox row in flight ends in doubt, as after a crash); not an error to report
            logger.info("scheduler %s stopped while running", job)
        except Exception as error:
            if unreachable(error):
                # one line per outage, not a traceback every interval
                if job not in self._waiting_for_database:
                    self._waiting_for_database.add(job)
                    logger.warning(
                        "database unreachable: the scheduler's %s waits for it (%s)",
                        job,
                        error_name(error),
                    )
                return
            # the next run tries again; nothing is lost (the due dates are still due)
            logger.exception("scheduler %s failed; it runs again at the next interval", job)
        else:
            if job in self._waiting_for_database:
                self._waiting_for_database.discard(job)
                logger.warning("database reachable again: the scheduler's %s goes on", job)

    def start(self) -> None:
        """Start the periodic jobs (the first run is immediate)."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        first = datetime.now(UTC)
        scheduler.add_job(
            self._safely,
            "interval",
            args=["tick"],
            seconds=self._tick_seconds,
            next_run_time=first,
            max_instances=1,
            coalesce=True,
            id="tick",
        )
        if self._dispatcher is not None:
            scheduler.add_job(
                self._safely,
                "interval",
                args=["dispatch"],
                seconds=self._dispatch_seconds,
                next_run_time=first,
                max_instances=1,
                coalesce=True,
                id="dispatch",
            )
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self) -> None:
        """Stop scheduling, wait for a running job to end, and let another replica send."""
        if self._scheduler is not None:
            # no new run, then let the ones in flight finish before the executor cancels
            self._scheduler.pause()
            for lock in self._busy.values():
                async with lock:
                    pass
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        async with self._busy["dispatch"]:
            await self._leadership.release()
            self._leading = frozenset()
