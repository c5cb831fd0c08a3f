"""The outbox dispatcher: claims due deliveries, sends them, records how it went."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.clock import Clock
from conversations.messages import Choice, Reply, Sender, SendResult, SendStatus
from storage import outbox
from storage.models import Delivery, Identity, Person

logger = logging.getLogger(__name__)

# backoff for retriable failures: 1 min, 2, 4... capped at 1 hour
_BACKOFF_CAP = timedelta(hours=1)


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    undeliverable: int = 0
    in_doubt: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.undeliverable + self.in_doubt


class Dispatcher:
    """Sends pending deliveries through the platform senders."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Mapping[str, Sender],
        clock: Clock,
        batch: int = 100,
    ) -> None:
        self._sessions = sessions
        self._senders = senders
        self._clock = clock
        self._batch = batch

    async def run_once(self) -> DispatchReport:
        """Claim one batch of due deliveries and send them."""
        report = DispatchReport()
        for channel in self._senders:
            async with self._sessions() as session, session.begin():
                claimed = await outbox.claim_due(
                    session, self._clock.now(), limit=self._batch, channel=channel
                )
                ids = [row.id for row in claimed]
            for delivery_id in ids:
                await self._send_one(delivery_id, report)
        return report

    async def _send_one(self, delivery_id: int, report: DispatchReport) -> None:
        async with self._sessions() as session:
            delivery = await session.get(Delivery, delivery_id)
            if delivery is None:
                return
            person = await session.get(Person, delivery.person_id) if delivery.person_id else None
            chat_id = await session.scalar(
                select(Identity.chat_id).where(
                    Identity.person_id == delivery.person_id, Identity.channel == delivery.channel
                )
            )
            destination = _destination(delivery)
            if destination is not None:
                # a place, not a person (e.g. the staff channel)
                reply = Reply(
                    key=delivery.template,
                    context=delivery.context,
                    locale=str(delivery.context.get("locale") or "fr"),
                    choices=_choices(delivery.context),
                )
                result = await self._senders[delivery.channel].send(destination, reply)
            elif person is None or person.erased_at is not None or chat_id is None:
                result = SendResult(SendStatus.UNDELIVERABLE, error="no reachable account")
            else:
                reply = Reply(
                    key=delivery.template,
                    context={**delivery.context, "name": person.display_name},
                    locale=person.locale,
                    choices=_choices(delivery.context),
                )
                result = await self._senders[delivery.channel].send(chat_id, reply)
            now = self._clock.now()
            if result.status is SendStatus.SENT:
                outbox.mark_sent(delivery, now)
                report.sent += 1
            elif result.status is SendStatus.RETRY:
                wait = (
                    timedelta(seconds=result.retry_after)
                    if result.retry_after is not None
                    else min(timedelta(minutes=2 ** (delivery.attempts - 1)), _BACKOFF_CAP)
                )
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
            await session.commit()


def _destination(delivery: Delivery) -> str | None:
    """Where a delivery without a person goes (`to` in its context), if anywhere."""
    to = delivery.context.get("to")
    return to if delivery.person_id is None and isinstance(to, str) and to else None


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
