"""The per-person throttle in Slack (the real Bolt app, signed requests, the stand-in Web
API): a mentor writing too fast is told once, in the vous form, then ignored for the pause;
a staff member is never throttled."""

from __future__ import annotations

from bot.container import Services
from tests.fakes.mentoring import make_pair
from tests.fakes.slack_bot import SlackHarness
from tests.handlers.slack.conftest import MENTOR, STAFF, click

THROTTLED = "m'écrivez très vite"


async def test_a_staff_member_is_never_throttled(slack: SlackHarness) -> None:
    for _ in range(30):  # thirty commands within the same minute (the clock does not move)
        status, _ = await slack.send(*slack.requests.slash_command(STAFF, text="help"))
        assert status == 200
    texts = slack.texts(STAFF)
    assert len(texts) == 30
    assert not any("très vite" in text for text in texts)


async def test_a_mentor_writing_too_fast_is_told_once_with_vous(
    slack: SlackHarness, services: Services
) -> None:
    pairing_id, _, _ = await make_pair(services, mentor_slack=MENTOR)
    for n in range(10):
        await slack.send(*slack.requests.event(slack.requests.message_im(MENTOR, f"bonjour {n}")))
    for _ in range(15):  # a button pressed again and again counts too
        await click(slack, MENTOR, f"fm:{pairing_id}")
    texts = slack.texts(MENTOR)
    throttled = [text for text in texts if THROTTLED in text]
    assert throttled == [
        "Vous m'écrivez très vite (plus de 20 messages en une minute). Je fais une pause : "
        "pendant 5 minutes, je ne lirai pas vos messages. Écrivez-moi ensuite, je serai là."
    ]
    assert THROTTLED in texts[-1]  # nothing after the warning
