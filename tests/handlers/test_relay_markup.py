"""Someone's words never become markup on the other side: what a youth types on Telegram is
shown literally in Slack (no bold, no mention, no link), and what a mentor types in Slack
literally on Telegram. Through the real renderers and senders, against the stand-ins."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Bot

from bot.container import Services
from bot.i18n import TemplateRenderer
from conversations.core.messages import Reply, SendStatus
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.slack.incoming import plain_text
from handlers.telegram import TelegramSender
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN
from tests.fakes.telegram_api import FakeBotApi
from tests.handlers.relay_templates import relay_renderer

MENTOR = "UMENTOR1"
YOUTH = 5550201
ZERO_WIDTH = "\u200b"
TYPED = [
    "<b>Inès</b> <i>x</i>",
    "*gras* _italique_ ~barré~ `code`",
    "<@U123> <!channel> <!here> <#C1|general>",
    "Tom &amp; Jerry & <3",
    "<https://evil.example|cliquez ici>",
    "a_b*c d~e",
]


@pytest.fixture
def renderer(tmp_path: Path) -> TemplateRenderer:
    return relay_renderer(tmp_path)


@pytest.fixture
async def telegram(renderer: TemplateRenderer) -> AsyncIterator[tuple[FakeBotApi, TelegramSender]]:
    async with FakeBotApi() as api:
        sender = TelegramSender(Bot(api.token, base_url=api.base_url), renderer)
        yield api, sender
        await sender.close()


def slack_shown(mrkdwn: str) -> str:
    """What a person reads in Slack once the zero-width spaces and entities are rendered."""
    return html.unescape(mrkdwn.replace(ZERO_WIDTH, ""))


@pytest.mark.parametrize("typed", TYPED)
async def test_a_youths_words_are_shown_literally_in_slack(
    services: Services, slack_api: FakeSlackApi, renderer: TemplateRenderer, typed: str
) -> None:
    sender = SlackSender(
        build_client(TOKEN, slack_api.base_url, retry_on_rate_limit=False),
        SlackRenderer(renderer),
        services.clock,
        None,
    )
    result = await sender.send(MENTOR, Reply("test.said", {"writer": "Inès", "text": typed}))
    assert result.status is SendStatus.SENT
    (posted,) = slack_api.messages(MENTOR)
    section = posted["blocks"][0]["text"]
    assert section["type"] == "mrkdwn"
    shown = section["text"]
    # the signature is ours, in bold; the words are theirs, as typed
    assert shown.startswith("💬 *Inès* : ")
    assert slack_shown(shown.removeprefix("💬 *Inès* : ")) == typed
    words = shown.removeprefix("💬 *Inès* : ")
    # nothing Slack would act on: no raw angle brackets (mentions, links), every
    # formatting character at a word's edge kept apart by zero-width spaces (inside a
    # word, as in "first_last@example.org", Slack formats nothing: left as typed)
    assert "<" not in words
    assert ">" not in words
    for index, char in enumerate(words):
        if char in "*_~`" and not (
            words[index - 1 : index].isalnum() and words[index + 1 : index + 2].isalnum()
        ):
            assert words[index - 1] == ZERO_WIDTH
            assert words[index + 1] == ZERO_WIDTH


@pytest.mark.parametrize("typed", TYPED)
async def test_a_mentors_words_are_shown_literally_on_telegram(
    telegram: tuple[FakeBotApi, TelegramSender], typed: str
) -> None:
    api, sender = telegram
    # what Slack sends for what the mentor typed: `&`, `<` and `>` escaped
    event_text = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    received = plain_text(event_text)
    assert received == typed
    result = await sender.send(
        str(YOUTH), Reply("test.said", {"writer": "Claire", "text": received})
    )
    assert result.status is SendStatus.SENT
    (message,) = api.messages(YOUTH)
    assert message["text"] == f"💬 Claire : {typed}"
    # one entity only: the signature in bold, nothing from the words
    assert [entity["type"] for entity in message.get("entities", [])] == ["bold"]


async def test_slack_mentions_and_links_a_mentor_made_are_readable_on_telegram(
    telegram: tuple[FakeBotApi, TelegramSender],
) -> None:
    api, sender = telegram
    received = plain_text("Vois <https://example.org/cv|ce guide> avec <@U0MENTOR2> &amp; moi")
    await sender.send(str(YOUTH), Reply("test.said", {"writer": "Claire", "text": received}))
    (message,) = api.messages(YOUTH)
    assert message["text"] == (
        "💬 Claire : Vois ce guide (https://example.org/cv) avec @U0MENTOR2 & moi"
    )
