"""The outbox dispatcher: claims due deliveries, sends them, records how it went.

For each claimed row, in order: is an earlier row of its order key still on its way, or is
it not a good time for the recipient (working day, sending hours in their time zone, not
paused, today's one-message budget not spent; messages between people skip those)? If so,
the row waits, without counting an attempt. Otherwise the pacer gives it a turn, the row is
marked `sending` and committed, the platform is called, and the outcome is committed with
what follows from it (the thread it opens, the texts and file it no longer needs, the
writer told when it cannot arrive). A crash can therefore leave at most the rows being
sent at that instant in doubt. The context conventions are in `delivery_context`.

Rows of one order key claimed together go through one worker, in the order they were
queued: a 429 on the first makes the next ones wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.clock import Clock
from conversations.core.messages import Sender, SendResult, SendStatus
from conversations.rules.calendar import Place, SendingWindow, next_open
from scheduler import delivery_context
from scheduler.delivery_context import named_context
from scheduler.pacing import Pacer
from storage import outbox
from storage.errors import unreachable
from storage.models import Delivery, MentorProfile, Person, Priority

__all__ = [
    "DispatchPolicy",
    "DispatchReport",
    "Dispatcher",
    "OnUndeliverable",
    "named_context",
]

logger = logging.getLogger(__name__)

# backoff for retriable failures without a retry_after: 1 min, 2, 4... capped at 1 hour
_BACKOFF_CAP = timedelta(hours=1)

# called in the transaction that marks a row undeliverable (e.g. the relay telling the
# writer and opening a case): (session, delivery, now)
OnUndeliverable = Callable[[AsyncSession, Delivery, datetime], Awaitable[None]]
# claimed rows with their lease (proof that they are still ours), one worker's run
Batch = list[tuple[int, datetime | None]]


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    undeliverable: int = 0
    in_doubt: int = 0
    postponed: int = 0
    released: int = 0
    # past their "not after" time (an event already started): cancelled, never sent late
    cancelled: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.undeliverable + self.in_doubt


@dataclass(frozen=True)
class DispatchPolicy:
    """When proactive messages may go out (all settings)."""

    window: SendingWindow = field(default_factory=SendingWindow)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    # one budgeted (not URGENT) message per person per local day
    daily_budget: bool = True
    batch: int = 200
    workers: int = 8


class Dispatcher:
    """Sends pending deliveries through the platform senders."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Clock,
        batch: int | None = None,
        *,
        policy: DispatchPolicy | None = None,
        pacers: Mapping[str, Pacer] | None = None,
        on_undeliverable: OnUndeliverable | None = None,
    ) -> None:
        self._sessions = sessions
        self._senders = senders
        self._clock = clock
        self._policy = policy or DispatchPolicy()
        self._batch = batch or self._policy.batch
        self._pacers = dict(pacers or {})
        self._on_undeliverable = on_undeliverable

    def paused(self) -> dict[str, float]:
        """Seconds each platform is still paused for after a 429 (0 when it is not)."""
        return {channel: pacer.paused_for for channel, pacer in self._pacers.items()}

    @property
    def channels(self) -> tuple[str, ...]:
        """The platforms this dispatcher has a sender for."""
        return tuple(self._senders)

    async def take_over(self, channel: str) -> int:
        """Now the one sending `channel`: the due rows claimed by its previous sender (dead
        or stepped down) are free at once, not after their lease; should it still run, its
        lease no longer matches and `start_sending` refuses them. Returns how many."""
        async with self._sessions() as session, session.begin():
            return await outbox.release_claims(session, channel, self._clock.now())

    async def run_once(self, channels: Iterable[str] | None = None) -> DispatchReport:
        """Claim one batch of due deliveries per platform (of `channels`, by default all
        this dispatcher has a sender for) and send them."""
        report = DispatchReport()
        chosen = set(self._senders if channels is None else channels)
        async with self._sessions() as session, session.begin():
            report.released = await delivery_context.settle_stuck(session, self._clock.now())
        if report.released:
            logger.warning(
                "%s deliveries were left sending by a stopped dispatcher: in doubt", report.released
            )
        for channel in (channel for channel in self._senders if channel in chosen):
            async with self._sessions() as session, session.begin():
                claimed = await outbox.claim_due(
                    session, self._clock.now(), limit=self._batch, channel=channel
                )
                batches = _batches(claimed)
            if not batches:
                continue
            queue: asyncio.Queue[Batch] = asyncio.Queue()
            for batch in batches:
                queue.put_nowait(batch)
            workers = max(1, min(self._policy.workers, len(batches)))
            await asyncio.gather(*(self._work(queue, report) for _ in range(workers)))
        return report

    async def run_until_empty(self, *, max_rounds: int = 1000) -> DispatchReport:
        """Dispatch until nothing is due (tests, simulations, the CLI)."""
        total = DispatchReport()
        for _ in range(max_rounds):
            report = await self.run_once()
            for name in (counted.name for counted in fields(DispatchReport)):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            if report.handled + report.postponed + report.cancelled == 0:
                break
        return total

    async def _work(self, queue: asyncio.Queue[Batch], report: DispatchReport) -> None:
        while not queue.empty():
            for delivery_id, lease_until in queue.get_nowait():
                try:
                    await self._send_one(delivery_id, lease_until, report)
                except Exception as error:
                    if unreachable(error):
                        # no row can go now: the round stops (the scheduler says it once)
                        raise
                    # the row keeps its lease and is retried after it; the others go on
                    # (a later row of its order key waits for it)
                    logger.exception("delivery %s could not be dispatched", delivery_id)

    # ------------------------------------------------------------------ one delivery

    async def _send_one(
        self, delivery_id: int, lease_until: datetime | None, report: DispatchReport
    ) -> None:
        async with self._sessions() as session:
            delivery = await session.get(Delivery, delivery_id)
            if (
                delivery is None
                or delivery.status not in ("pending", "failed")
                or delivery.claimed_until != lease_until  # our lease ended, another took it
            ):
                return
            person = await session.get(Person, delivery.person_id) if delivery.person_id else None
            now = self._clock.now()
            wait_until = await delivery_context.wait_for_earlier(session, delivery, now)
            if wait_until is None:
                wait_until = await self._not_before(session, delivery, person, now)
            deadline = delivery_context.not_after(delivery.context)
            if deadline is not None and (now >= deadline or (wait_until or now) >= deadline):
                await self._cancel(session, delivery, report)
                return
            if wait_until is not None:
                outbox.postpone(delivery, wait_until)
                await session.commit()
                report.postponed += 1
                return
            reply, recipient = await delivery_context.reply_of(session, delivery, person)
            if person is not None and person.unreachable_at is not None:
                # they blocked the bot: no call to the platform (staff see them in status)
                recipient = None
            if recipient is None or reply is None:
                why = "no reachable account" if recipient is None else "its file is gone"
                await self._give_up(session, delivery, why, now)
                await session.commit()
                report.undeliverable += 1
                return
            # wait for our turn before writing anything: a transaction left open across the
            # wait (up to a whole 429 pause) would hold its locks (all of SQLite) meanwhile
            pacer = self._pacers.get(delivery.channel)
            if pacer is not None:
                await pacer.wait_turn(recipient)
            # the pacer's wait may have taken us past the deadline
            if deadline is not None and self._clock.now() >= deadline:
                await self._cancel(session, delivery, report)
                return
            if person is not None and not await self._spend_budget(session, delivery, person, now):
                tomorrow = self._tomorrow(person, now)
                if deadline is not None and tomorrow >= deadline:
                    await self._cancel(session, delivery, report)
                    return
                outbox.postpone(delivery, tomorrow)
                await session.commit()
                report.postponed += 1
                return
            if not await outbox.start_sending(session, delivery, lease_until, self._clock.now()):
                await session.rollback()  # another dispatcher has it: the budget is not ours
                return
            await session.commit()
            result = await self._senders[delivery.channel].send(recipient, reply)
            await self._record(session, delivery, person, result, report, pacer)
            if person is not None and result.status is SendStatus.RETRY:
                await self._refund_budget(session, delivery, person, now)
            await session.commit()

    async def _cancel(
        self, session: AsyncSession, delivery: Delivery, report: DispatchReport
    ) -> None:
        """Too late to deliver (its "not after" has come): cancelled, counted, its texts
        and file dropped; the platform is never called."""
        outbox.mark_cancelled(delivery)
        await delivery_context.settle(session, delivery)
        await session.commit()
        report.cancelled += 1

    async def _give_up(
        self,
        session: AsyncSession,
        delivery: Delivery,
        error: str,
        now: datetime,
        unreachable: Person | None = None,
    ) -> None:
        """Mark the row undeliverable (and `unreachable` the person who refused it), drop
        what it no longer needs, and tell whoever wants to know (`on_undeliverable`), all in
        the session's transaction. Should that last step fail, the rest is still done
        rather than the row left sending."""
        await self._mark_given_up(session, delivery, error, now, unreachable)
        if self._on_undeliverable is None:
            return
        try:
            await self._on_undeliverable(session, delivery, now)
        except Exception:
            logger.exception("on_undeliverable failed for delivery %s", delivery.id)
            await session.rollback()
            await session.refresh(delivery)
            if unreachable is not None:
                await session.refresh(unreachable)
            await self._mark_given_up(session, delivery, error, now, unreachable)

    @staticmethod
    async def _mark_given_up(
        session: AsyncSession,
        delivery: Delivery,
        error: str,
        now: datetime,
        unreachable: Person | None,
    ) -> None:
        outbox.mark_undeliverable(delivery, error)
        if unreachable is not None and unreachable.erased_at is None:
            unreachable.unreachable_at = now
        await delivery_context.settle(session, delivery)

    async def _record(
        self,
        session: AsyncSession,
        delivery: Delivery,
        person: Person | None,
        result: SendResult,
        report: DispatchReport,
        pacer: Pacer | None,
    ) -> None:
        now = self._clock.now()
        if result.status is SendStatus.SENT:
            outbox.mark_sent(delivery, now)
            await delivery_context.record_sent(session, delivery, result, now)
            await delivery_context.settle(session, delivery)
            report.sent += 1
        elif result.status is SendStatus.RETRY:
            if result.retry_after is not None:
                wait = timedelta(seconds=result.retry_after)
                if pacer is not None:
                    pacer.pause(result.retry_after)  # the whole platform waits
            else:
                wait = min(timedelta(minutes=2 ** max(0, delivery.attempts - 1)), _BACKOFF_CAP)
            outbox.mark_failed(delivery, now, result.error or "retry", wait)
            report.retried += 1
        elif result.status is SendStatus.UNDELIVERABLE:
            error = result.error or "undeliverable"
            await self._give_up(session, delivery, error, now, unreachable=person)
            report.undeliverable += 1
        else:
            outbox.mark_in_doubt(delivery, result.error or "in doubt")
            await delivery_context.settle(session, delivery)
            report.in_doubt += 1

    def _place(self, person: Person | None) -> Place:
        return Place.of_region(person.region if person else None, self._policy.zone)

    async def _not_before(
        self, session: AsyncSession, delivery: Delivery, person: Person | None, now: datetime
    ) -> datetime | None:
        """When this delivery may go out, if not now (people talking: always now)."""
        if delivery_context.is_live(delivery):
            return None
        place = self._place(person)
        opens = next_open(now, self._policy.window, place)
        if opens > now:
            return opens
        if person is not None and delivery.priority != Priority.URGENT:
            paused_until = await session.scalar(
                select(MentorProfile.checkins_paused_until).where(
                    MentorProfile.person_id == person.id
                )
            )
            today = now.astimezone(place.zone).date()
            if paused_until is not None and paused_until >= today:
                return self._opening_after(paused_until, place)
        return None

    def _opening_after(self, day: date, place: Place) -> datetime:
        start = datetime.combine(day + timedelta(days=1), self._policy.window.opens, place.zone)
        return next_open(start, self._policy.window, place)

    def _tomorrow(self, person: Person, now: datetime) -> datetime:
        place = self._place(person)
        return self._opening_after(now.astimezone(place.zone).date(), place)

    def _budgeted(self, delivery: Delivery) -> bool:
        """Whether the row counts against the person's one proactive message a day."""
        return (
            self._policy.daily_budget
            and delivery.priority != Priority.URGENT
            and not delivery_context.is_live(delivery)
        )

    async def _spend_budget(
        self, session: AsyncSession, delivery: Delivery, person: Person, now: datetime
    ) -> bool:
        """Take today's one proactive message for this person; False if already spent.
        One conditional UPDATE, so two dispatchers cannot both take it."""
        if not self._budgeted(delivery):
            return True
        today = now.astimezone(self._place(person).zone).date()
        result = await session.execute(
            update(Person)
            .where(
                Person.id == person.id,
                or_(Person.last_proactive_on.is_(None), Person.last_proactive_on != today),
            )
            .values(last_proactive_on=today)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _refund_budget(
        self, session: AsyncSession, delivery: Delivery, person: Person, now: datetime
    ) -> None:
        """Nothing reached the person (retry later): today's message is still theirs."""
        if not self._budgeted(delivery):
            return
        today = now.astimezone(self._place(person).zone).date()
        await session.execute(
            update(Person)
            .where(Person.id == person.id, Person.last_proactive_on == today)
            .values(last_proactive_on=None)
            .execution_options(synchronize_session=False)
        )


def _batches(claimed: Sequence[Delivery]) -> list[Batch]:
    """The claimed rows as runs for the workers: a row alone, or every row of one order key,
    oldest first, so that one worker sends them one after the other."""
    batches: list[Batch] = []
    by_key: dict[str, Batch] = {}
    for row in claimed:
        item = (row.id, row.claimed_until)
        if row.order_key is None:
            batches.append([item])
        elif row.order_key in by_key:
            by_key[row.order_key].append(item)
        else:
            by_key[row.order_key] = [item]
            batches.append(by_key[row.order_key])
    for batch in by_key.values():
        batch.sort()
    return batches
