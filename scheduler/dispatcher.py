"""The outbox dispatcher: claims due deliveries, sends them, records how it went.

For each claimed row, in order: is it a good time for the recipient (working day, sending
hours in their time zone, not paused, today's one-message budget not spent)? If not, the
row waits, without counting an attempt. Otherwise the pacer gives it a turn, the row is
marked `sending` and committed, the platform is called, and the outcome is committed. A
crash can therefore leave at most the rows being sent at that instant in doubt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.clock import Clock
from conversations.core.messages import Choice, Reply, Sender, SendResult, SendStatus
from conversations.rules.calendar import Place, SendingWindow, next_open
from scheduler.pacing import Pacer
from storage import outbox
from storage.models import Delivery, Identity, MentorProfile, Person, Priority

logger = logging.getLogger(__name__)

# backoff for retriable failures without a retry_after: 1 min, 2, 4... capped at 1 hour
_BACKOFF_CAP = timedelta(hours=1)


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    undeliverable: int = 0
    in_doubt: int = 0
    postponed: int = 0
    released: int = 0

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
    ) -> None:
        self._sessions = sessions
        self._senders = senders
        self._clock = clock
        self._policy = policy or DispatchPolicy()
        self._batch = batch or self._policy.batch
        self._pacers = dict(pacers or {})

    async def run_once(self) -> DispatchReport:
        """Claim one batch of due deliveries per platform and send them."""
        report = DispatchReport()
        async with self._sessions() as session, session.begin():
            report.released = await outbox.release_stuck(session, self._clock.now())
        if report.released:
            logger.warning(
                "%s deliveries were left sending by a stopped dispatcher: in doubt", report.released
            )
        for channel in self._senders:
            async with self._sessions() as session, session.begin():
                claimed = await outbox.claim_due(
                    session, self._clock.now(), limit=self._batch, channel=channel
                )
                # each row with the lease it was claimed under: proof that it is still ours
                taken = [(row.id, row.claimed_until) for row in claimed]
            if not taken:
                continue
            queue: asyncio.Queue[tuple[int, datetime | None]] = asyncio.Queue()
            for item in taken:
                queue.put_nowait(item)
            workers = max(1, min(self._policy.workers, len(taken)))
            await asyncio.gather(*(self._work(queue, report) for _ in range(workers)))
        return report

    async def run_until_empty(self, *, max_rounds: int = 1000) -> DispatchReport:
        """Dispatch until nothing is due (tests, simulations, the CLI)."""
        total = DispatchReport()
        for _ in range(max_rounds):
            report = await self.run_once()
            for name in ("sent", "retried", "undeliverable", "in_doubt", "postponed", "released"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
            if report.handled + report.postponed == 0:
                break
        return total

    async def _work(
        self, queue: asyncio.Queue[tuple[int, datetime | None]], report: DispatchReport
    ) -> None:
        while not queue.empty():
            delivery_id, lease_until = queue.get_nowait()
            try:
                await self._send_one(delivery_id, lease_until, report)
            except Exception:
                # the row keeps its lease and is retried after it; the others go on
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
            wait_until = await self._not_before(session, delivery, person, now)
            if wait_until is not None:
                outbox.postpone(delivery, wait_until)
                await session.commit()
                report.postponed += 1
                return
            reply, recipient = await self._reply(session, delivery, person)
            if person is not None and person.unreachable_at is not None:
                # they blocked the bot: no call to the platform (staff see them in status)
                recipient = None
            if recipient is None:
                outbox.mark_undeliverable(delivery, "no reachable account")
                await session.commit()
                report.undeliverable += 1
                return
            # wait for our turn before writing anything: a transaction left open across the
            # wait (up to a whole 429 pause) would hold its locks (all of SQLite) meanwhile
            pacer = self._pacers.get(delivery.channel)
            if pacer is not None:
                await pacer.wait_turn(recipient)
            if person is not None and not await self._spend_budget(session, delivery, person, now):
                outbox.postpone(delivery, self._tomorrow(person, now))
                await session.commit()
                report.postponed += 1
                return
            if not await outbox.start_sending(session, delivery, lease_until, self._clock.now()):
                await session.rollback()  # another dispatcher has it: the budget is not ours
                return
            await session.commit()
            result = await self._senders[delivery.channel].send(recipient, reply)
            self._record(delivery, person, result, report, pacer)
            if person is not None and result.status is SendStatus.RETRY:
                await self._refund_budget(session, delivery, person, now)
            await session.commit()

    def _record(
        self,
        delivery: Delivery,
        person: Person | None,
        result: SendResult,
        report: DispatchReport,
        pacer: Pacer | None,
    ) -> None:
        now = self._clock.now()
        if result.status is SendStatus.SENT:
            outbox.mark_sent(delivery, now)
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
            outbox.mark_undeliverable(delivery, result.error or "undeliverable")
            if person is not None and person.erased_at is None:
                person.unreachable_at = now
            report.undeliverable += 1
        else:
            outbox.mark_in_doubt(delivery, result.error or "in doubt")
            report.in_doubt += 1

    def _place(self, person: Person | None) -> Place:
        return Place.of_region(person.region if person else None, self._policy.zone)

    async def _not_before(
        self, session: AsyncSession, delivery: Delivery, person: Person | None, now: datetime
    ) -> datetime | None:
        """When this delivery may go out, if not now."""
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

    async def _spend_budget(
        self, session: AsyncSession, delivery: Delivery, person: Person, now: datetime
    ) -> bool:
        """Take today's one proactive message for this person; False if already spent.
        One conditional UPDATE, so two dispatchers cannot both take it."""
        if delivery.priority == Priority.URGENT or not self._policy.daily_budget:
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
        if delivery.priority == Priority.URGENT or not self._policy.daily_budget:
            return
        today = now.astimezone(self._place(person).zone).date()
        await session.execute(
            update(Person)
            .where(Person.id == person.id, Person.last_proactive_on == today)
            .values(last_proactive_on=None)
            .execution_options(synchronize_session=False)
        )

    async def _reply(
        self, session: AsyncSession, delivery: Delivery, person: Person | None
    ) -> tuple[Reply, str | None]:
        context = await named_context(session, delivery.context)
        if delivery.destination is not None:
            # a place, not a person (e.g. the staff channel): the sender knows where it is
            reply = Reply(
                key=delivery.template,
                context=context,
                locale=str(delivery.context.get("locale") or "fr"),
                choices=_choices(delivery.context),
            )
            return reply, delivery.destination
        chat_id = await session.scalar(
            select(Identity.chat_id).where(
                Identity.person_id == delivery.person_id, Identity.channel == delivery.channel
            )
        )
        if person is None or person.erased_at is not None:
            chat_id = None
        reply = Reply(
            key=delivery.template,
            context={**context, "name": person.display_name if person else None},
            locale=person.locale if person else "fr",
            choices=_choices(delivery.context),
        )
        return reply, chat_id


async def named_context(session: AsyncSession, context: dict[str, Any]) -> dict[str, Any]:
    """The context with the people it names by id given their first names, as they are now
    (an erased person's is empty)."""
    ids = outbox.referenced_people(context)
    if not ids:
        return context
    rows = await session.execute(
        select(Person.id, Person.display_name).where(Person.id.in_(ids), Person.erased_at.is_(None))
    )
    names = {person_id: name or "" for person_id, name in rows.all()}
    named: dict[str, Any] = outbox.with_names(context, names)
    return named


def _choices(context: Mapping[str, object]) -> tuple[Choice, ...]:
    """Buttons stored with a queued message: `choices` as [[label key, value], ...]."""
    stored = context.get("choices")
    if not isinstance(stored, list):
        return ()
    return tuple(
        Choice(str(item[0]), str(item[1]))
        for item in stored
        if isinstance(item, list | tuple) and len(item) == 2
    )
