"""The platform-wide pause after a 429 (the rates themselves are measured in bench/)."""

from __future__ import annotations

import pytest

from scheduler.pacing import Pacer


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_a_pause_holds_every_recipient_until_it_ends() -> None:
    clock = FakeTime()
    pacer = Pacer(30, 1, monotonic=clock.monotonic, sleep=clock.sleep)
    await pacer.wait_turn("chat-1")
    assert clock.slept == []
    pacer.pause(7)
    assert pacer.paused_for == 7
    await pacer.wait_turn("chat-2")
    assert clock.slept == [7]
    assert pacer.paused_for == 0


async def test_a_shorter_pause_does_not_shorten_a_longer_one() -> None:
    clock = FakeTime()
    pacer = Pacer(30, 1, monotonic=clock.monotonic, sleep=clock.sleep)
    pacer.pause(10)
    pacer.pause(2)
    assert pacer.paused_for == 10


def test_rates_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0, 1)
