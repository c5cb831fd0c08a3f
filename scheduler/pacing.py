"""Pacing of proactive messages for one platform.

Telegram and Slack publish (or hint at) limits: about 30 messages/s overall and 1/s per
chat on Telegram, 1/s per channel on Slack. The dispatcher waits its turn here before each
send, and a 429 pauses the whole platform for `retry_after` instead of hammering it.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from aiolimiter import AsyncLimiter

# Recipients whose per-chat limiter is kept; older ones are forgotten (their bucket is full).
_RECENT_RECIPIENTS = 10_000


class Pacer:
    """An overall rate, a per-recipient rate, and a platform-wide pause after a 429."""

    def __init__(
        self,
        overall_per_second: float,
        per_recipient_per_second: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if overall_per_second <= 0 or per_recipient_per_second <= 0:
            raise ValueError("rates must be positive")
        # A burst of a tenth of a second's worth, not a whole second's: a full second's burst
        # followed by the steady rate leaves the platform's bucket empty, and the slightest
        # jitter on the way (a request overtaking the previous one) is answered 429. The small
        # burst only makes up for the event loop waking a sender late.
        burst = max(1.0, overall_per_second / 10)
        self._overall = AsyncLimiter(burst, burst / overall_per_second)
        self._per_recipient_rate = per_recipient_per_second
        self._recipients: OrderedDict[str, AsyncLimiter] = OrderedDict()
        self._monotonic = monotonic
        self._sleep = sleep
        self._paused_until = 0.0

    def _limiter(self, recipient: str) -> AsyncLimiter:
        limiter = self._recipients.get(recipient)
        if limiter is None:
            rate = self._per_recipient_rate
            # below 1/s: one message per 1/rate seconds; above: `rate` per second
            limiter = AsyncLimiter(1, 1 / rate) if rate < 1 else AsyncLimiter(rate, 1.0)
            self._recipients[recipient] = limiter
            if len(self._recipients) > _RECENT_RECIPIENTS:
                self._recipients.popitem(last=False)
        else:
            self._recipients.move_to_end(recipient)
        return limiter

    @property
    def paused_for(self) -> float:
        """Seconds the platform is still paused for (0 when not paused)."""
        return max(0.0, self._paused_until - self._monotonic())

    def pause(self, seconds: float) -> None:
        """The platform said 429: nobody sends before `seconds` have passed."""
        self._paused_until = max(self._paused_until, self._monotonic() + max(0.0, seconds))

    async def wait_turn(self, recipient: str) -> None:
        """Wait until a message to `recipient` may go out."""
        while (wait := self.paused_for) > 0:
            await self._sleep(wait)
        await self._limiter(recipient).acquire()
        await self._overall.acquire()
