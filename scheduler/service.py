"""The scheduler: a few periodic jobs in APScheduler (3.x, in memory), never one per pair.

Two jobs: the ticks (what is due, every minute by default) and the outbox dispatch (every
few seconds). The truth lives in the database, so a restart loses nothing and several
replicas may run the same jobs (each tick and claim is safe to run concurrently).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from conversations.core.clock import Clock
from scheduler.dispatcher import Dispatcher, DispatchReport
from scheduler.ticks import TickReport, Ticks

__all__ = ["Scheduler"]

logger = logging.getLogger(__name__)


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
    ) -> None:
        self._ticks = ticks
        self._dispatcher = dispatcher
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

    async def dispatch(self) -> DispatchReport:
        """Send what is due in the outbox."""
        if self._dispatcher is None:
            return DispatchReport()
        async with self._busy["dispatch"]:
            return await self._dispatcher.run_once()

    async def _safely(self, job: str) -> None:
        try:
            await (self.tick() if job == "tick" else self.dispatch())
        except asyncio.CancelledError:
            # stopping: the job's transaction was rolled back, its rows are due again (an
            # outbox row in flight ends in doubt, as after a crash); not an error to report
            logger.info("scheduler %s stopped while running", job)
        except Exception:
            # the next run tries again; nothing is lost (the due dates are still due)
            logger.exception("scheduler %s failed; it runs again at the next interval", job)

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
        """Stop scheduling and wait for a running job to end."""
        if self._scheduler is not None:
            # no new run, then let the ones in flight finish before the executor cancels
            self._scheduler.pause()
            for lock in self._busy.values():
                async with lock:
                    pass
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
