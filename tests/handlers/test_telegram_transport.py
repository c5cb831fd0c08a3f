"""Bot API calls over aiohttp (`handlers.telegram.transport`): what python-telegram-bot's
own client does, errors included, against the stand-in Bot API."""

from __future__ import annotations

import datetime as dtm
import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from handlers.telegram.transport import AiohttpRequest
from tests.fakes.telegram_api import FakeBotApi


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    # a short read timeout, so a slow Bot API answer is a timeout within the test
    request = AiohttpRequest(read_timeout=0.3)
    started = Bot(
        api.token, base_url=api.base_url, base_file_url=api.base_file_url, request=request
    )
    async with started:
        yield started


async def test_a_message_with_a_keyboard_and_html(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(
        42,
        "Bonjour <b>Inès</b> &amp; co",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="qpv:yes")]]),
    )
    assert sent.text == "Bonjour Inès & co"
    (call,) = api.calls("sendMessage")
    assert call.params["text"] == "Bonjour <b>Inès</b> &amp; co"
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "qpv:yes"
    assert call.content_type == "application/x-www-form-urlencoded"


async def test_a_document_is_uploaded_and_downloaded(api: FakeBotApi, bot: Bot) -> None:
    content = '{"nom": "Inès"}'.encode()
    sent = await bot.send_document(
        42,
        InputFile(content, filename="données.json"),
        caption="Tes <i>données</i>",
        parse_mode="HTML",
    )
    assert sent.document is not None
    (call,) = api.calls("sendDocument")
    assert call.content_type == "multipart/form-data"
    assert call.params["caption"] == "Tes <i>données</i>"
    assert call.files["document"].content == content
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content


async def test_api_errors_are_ptbs(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as waited:
        await bot.send_message(42, "x")
    assert waited.value.retry_after in (7, dtm.timedelta(seconds=7))
    api.block(43)
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(43, "x")
    with pytest.raises(BadRequest, match="essage to edit not found"):
        await bot.edit_message_reply_markup(chat_id=42, message_id=999)


async def test_a_slow_answer_is_timed_out(api: FakeBotApi, bot: Bot) -> None:
    api.delay_next("sendMessage", 5.0)
    with pytest.raises(TimedOut):
        await bot.send_message(42, "x")
    assert (await bot.send_message(42, "y")).text == "y"  # the session goes on


async def test_an_unreachable_api_is_a_network_error(api: FakeBotApi) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.post(f"http://127.0.0.1:{closed_port}/bot{api.token}/getMe")
    finally:
        await request.shutdown()


async def test_the_session_is_opened_and_closed_with_the_bot(api: FakeBotApi) -> None:
    request = AiohttpRequest()
    bot = Bot(api.token, base_url=api.base_url, request=request)
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.send_message(42, "too early")
    async with bot:
        assert (await bot.send_message(42, "now")).text == "now"
    with pytest.raises(NetworkError, match="not initialized"):
        await bot.send_message(42, "too late")
    await request.shutdown()  # twice is harmless


async def test_the_proxy_comes_from_the_environment_once_per_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    request = AiohttpRequest()
    proxy, _auth = await request._proxy("https://api.telegram.org/bot123:abc/sendMessage")
    assert str(proxy) == "http://proxy.example.org:3128"
    assert await request._proxy("http://127.0.0.1:8081/bot123:abc/getMe") == (None, None)
    monkeypatch.delenv("HTTPS_PROXY")  # looked up once: the host keeps its proxy
    proxy, _auth = await request._proxy("https://api.telegram.org/bot123:abc/getMe")
    assert str(proxy) == "http://proxy.example.org:3128"
