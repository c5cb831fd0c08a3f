"""The per-person throttle on its own: the rolling minute, the one warning, the pause,
redeliveries not counted twice, people kept apart, memory that does not grow forever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conversations.core.throttle import Throttle, Verdict

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PAUSE = timedelta(minutes=5)


def flood(
    throttle: Throttle, who: str, count: int, at: datetime, prefix: str = "e"
) -> list[Verdict]:
    return [throttle.check(who, f"{prefix}{n}", at) for n in range(count)]


def test_the_limit_passes_the_next_one_is_told_then_ignored_until_the_pause_ends() -> None:
    throttle = Throttle(20, PAUSE)
    verdicts = flood(throttle, "telegram:1", 25, START)
    assert verdicts == [Verdict.HANDLE] * 20 + [Verdict.TELL] + [Verdict.IGNORE] * 4
    just_before = START + PAUSE - timedelta(seconds=1)
    assert throttle.check("telegram:1", "late", just_before) is Verdict.IGNORE
    # after the pause, a fresh start: the limit again, then one more warning
    after = START + PAUSE
    assert flood(throttle, "telegram:1", 21, after, "b") == [Verdict.HANDLE] * 20 + [Verdict.TELL]


def test_the_minute_rolls() -> None:
    throttle = Throttle(3, PAUSE)
    for seconds in (0, 20, 40):
        assert (
            throttle.check("p", f"at{seconds}", START + timedelta(seconds=seconds))
            is Verdict.HANDLE
        )
    # the first one is a minute old: it no longer counts
    assert throttle.check("p", "at60", START + timedelta(seconds=60)) is Verdict.HANDLE
    assert throttle.check("p", "at61", START + timedelta(seconds=61)) is Verdict.TELL


def test_a_redelivered_event_is_counted_once() -> None:
    throttle = Throttle(3, PAUSE)
    for _ in range(10):  # the same update delivered again and again (503s)
        assert throttle.check("p", "update-7", START) is Verdict.HANDLE
    assert flood(throttle, "p", 3, START, "other") == [Verdict.HANDLE, Verdict.HANDLE, Verdict.TELL]


def test_events_without_an_id_all_count() -> None:
    throttle = Throttle(2, PAUSE)
    assert [throttle.check("p", None, START) for _ in range(3)] == [
        Verdict.HANDLE,
        Verdict.HANDLE,
        Verdict.TELL,
    ]


def test_people_are_counted_apart() -> None:
    throttle = Throttle(2, PAUSE)
    assert flood(throttle, "telegram:1", 3, START)[-1] is Verdict.TELL
    assert flood(throttle, "telegram:2", 2, START) == [Verdict.HANDLE, Verdict.HANDLE]
    # the same id on another channel is another person
    assert flood(throttle, "slack:1", 2, START) == [Verdict.HANDLE, Verdict.HANDLE]


def test_quiet_people_are_forgotten_paused_ones_are_not() -> None:
    throttle = Throttle(2, PAUSE)
    for n in range(1000):
        throttle.check(f"p{n}", None, START)
    flood(throttle, "flooder", 3, START)
    assert len(throttle) == 1001
    later = START + timedelta(minutes=2)
    assert throttle.check("newcomer", None, later) is Verdict.HANDLE
    assert len(throttle) == 2  # the flooder (still paused) and the newcomer
    assert throttle.check("flooder", "x", later) is Verdict.IGNORE


@pytest.mark.parametrize(
    ("per_minute", "pause"), [(0, PAUSE), (-1, PAUSE), (5, timedelta(0)), (5, -PAUSE)]
)
def test_nonsense_settings_are_refused(per_minute: int, pause: timedelta) -> None:
    with pytest.raises(ValueError, match="positive"):
        Throttle(per_minute, pause)
