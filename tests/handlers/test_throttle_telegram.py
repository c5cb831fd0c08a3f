"""The per-person throttle through the real PTB `Application` against the stand-in Bot API:
a youth writing or pressing buttons more than 20 times a minute is told once, kindly, then
ignored for the pause; a redelivered update is not counted twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.container import Services
from conversations.core.clock import FixedClock
from storage.models import ProcessedEvent
from tests.fakes.telegram_fixtures import RunningBot, Youth

THROTTLED = "tu m'écris très vite (plus de 20 messages en une minute)"


async def processed(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0)


async def test_25_messages_in_a_minute_one_polite_answer_then_silence_until_the_pause_ends(
    telegram: RunningBot, clock: FixedClock
) -> None:
    youth = Youth(telegram)
    answers = [await youth.command("start")]
    for n in range(24):
        clock.advance(timedelta(seconds=2))  # 25 messages within 50 seconds
        answers.append(await youth.says(f"message {n}"))
    assert all(answer and THROTTLED not in answer for answer in answers[:20])
    assert answers[20] == (
        "Doucement, tu m'écris très vite (plus de 20 messages en une minute). Je fais une "
        "pause : pendant 5 minutes, je ne lirai pas tes messages. Écris-moi ensuite, je serai là."
    )
    assert answers[21:] == ["", "", "", ""]
    # the ignored ones cost the database nothing: the 21 handled ones are recorded, only
    assert await processed(telegram.services) == 21

    # the warning came with the 21st message, 40 seconds in: the pause runs 5 minutes from it
    warned_at = clock.now() - timedelta(seconds=8)
    clock.set(warned_at + timedelta(minutes=5, seconds=-1))
    assert await youth.says("encore là ?") == ""
    clock.set(warned_at + timedelta(minutes=5))  # back
    back = await youth.presses("J'accepte")
    assert "Question 1/8" in back
    assert THROTTLED not in back


async def test_mashing_a_button_is_throttled_too(telegram: RunningBot) -> None:
    youth = Youth(telegram)
    await youth.command("start")
    notice = youth.keyboard_message()
    press = youth.callback_update("J'accepte", notice)
    answers = []
    for _ in range(24):  # the same button, pressed again and again (each a new update)
        press = {**press, "update_id": youth.updates.next_update_id()}
        answers.append(await youth.deliver(press))
    assert [THROTTLED in answer for answer in answers].count(True) == 1
    assert THROTTLED in answers[19]  # /start and 19 presses passed
    assert answers[20:] == ["", "", "", ""]


async def test_an_update_delivered_again_and_again_is_not_counted(telegram: RunningBot) -> None:
    youth = Youth(telegram)
    await youth.command("start")
    update = youth.updates.text_message(youth.user_id, "bonjour", first_name="Inès")
    first = await youth.deliver(update)
    assert first
    for _ in range(30):  # Telegram delivering the same update again (lost 200s)
        assert await youth.deliver(update) == ""
    # still under the limit: the next message is answered as usual
    assert THROTTLED not in await youth.says("et maintenant ?")
