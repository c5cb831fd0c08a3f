"""Self-tests of the stand-in Bot API server, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from telegram import Bot as PtbBot
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CommandHandler, ContextTypes
from telegram.request import HTTPXRequest

from tests.fakes import telegram_updates as tu
from tests.fakes.telegram_api import (
    DEFAULT_BOT_USERNAME,
    FakeBotApi,
    format_text,
)

USER = 5550001
OTHER = 5550002


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_bot(
    api: FakeBotApi, token: str | None = None, *, read_timeout: float | None = None
) -> PtbBot:
    request = HTTPXRequest(read_timeout=read_timeout) if read_timeout is not None else None
    return PtbBot(
        token or api.token,
        base_url=api.base_url,
        base_file_url=api.base_file_url,
        request=request,
    )


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[PtbBot]:
    async with make_bot(api) as ptb_bot:
        yield ptb_bot


# ------------------------------------------------------------------ basics


async def test_server_listens_on_loopback_with_real_port(api: FakeBotApi) -> None:
    assert api.port > 0
    assert api.base_url == f"http://127.0.0.1:{api.port}/bot"
    assert api.base_file_url == f"http://127.0.0.1:{api.port}/file/bot"


async def test_get_me_through_initialize(api: FakeBotApi, bot: PtbBot) -> None:
    assert bot.username == DEFAULT_BOT_USERNAME
    assert bot.id == 123456789
    assert bot.bot.is_bot is True
    (get_me,) = api.calls("getMe")
    assert get_me.status == 200
    assert get_me.http_method == "POST"


async def test_send_message_with_inline_keyboard_round_trip(api: FakeBotApi, bot: PtbBot) -> None:
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Oui", callback_data="ci:17:yes"),
                InlineKeyboardButton("Non", callback_data="ci:17:no"),
            ],
            [InlineKeyboardButton("Site", url="https://example.org/aide")],
        ]
    )
    first = await bot.send_message(USER, "Bonjour Inès !", reply_markup=keyboard)
    second = await bot.send_message(USER, "Deuxième")
    other = await bot.send_message(OTHER, "Ailleurs")

    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.text == "Bonjour Inès !"
    assert first.chat.id == USER
    assert first.chat.type == "private"
    assert first.from_user is not None
    assert first.from_user.username == DEFAULT_BOT_USERNAME
    assert first.reply_markup == keyboard
    assert abs(first.date.timestamp() - time.time()) < 5

    (call, _, _) = api.calls("sendMessage")
    assert call.content_type == "application/x-www-form-urlencoded"
    assert call.params["chat_id"] == USER
    assert call.params["text"] == "Bonjour Inès !"
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Oui", "callback_data": "ci:17:yes"},
                {"text": "Non", "callback_data": "ci:17:no"},
            ],
            [{"text": "Site", "url": "https://example.org/aide"}],
        ]
    }
    assert api.texts(USER) == ["Bonjour Inès !", "Deuxième"]
    assert [m["text"] for m in api.sent_messages()] == ["Bonjour Inès !", "Deuxième", "Ailleurs"]
    keyboard_rows = api.last_keyboard(USER)
    assert keyboard_rows is not None
    assert [button["callback_data"] for button in keyboard_rows[0]] == ["ci:17:yes", "ci:17:no"]
    assert api.last_keyboard(OTHER) is None


async def test_method_names_are_case_insensitive(api: FakeBotApi, bot: PtbBot) -> None:
    result = await bot.do_api_request("SENDMESSAGE", api_kwargs={"chat_id": USER, "text": "hé"})
    assert result["text"] == "hé"
    assert api.calls("sendMessage")[0].method == "sendMessage"


async def test_numeric_looking_text_stays_a_string(api: FakeBotApi, bot: PtbBot) -> None:
    message = await bot.send_message(USER, "123")
    assert message.text == "123"
    assert api.calls("sendMessage")[0].params["text"] == "123"


async def test_send_document_bytes_are_recorded_and_downloadable(
    api: FakeBotApi, bot: PtbBot
) -> None:
    content = b"%PDF-1.4 attestation"
    message = await bot.send_document(
        USER,
        document=content,
        filename="attestation.pdf",
        caption="Votre <b>attestation</b>",
        parse_mode=ParseMode.HTML,
    )
    (call,) = api.calls("sendDocument")
    assert call.content_type == "multipart/form-data"
    assert call.files["document"].filename == "attestation.pdf"
    assert call.files["document"].content == content
    assert call.files["document"].content_type == "application/pdf"
    assert call.params["caption"] == "Votre <b>attestation</b>"
    assert message.document is not None
    assert message.document.file_name == "attestation.pdf"
    assert message.document.mime_type == "application/pdf"
    assert message.document.file_size == len(content)
    assert message.caption == "Votre attestation"
    assert message.caption_html == "Votre <b>attestation</b>"

    file = await bot.get_file(message.document.file_id)
    assert file.file_path is not None
    assert bytes(await file.download_as_bytearray()) == content


async def test_empty_document_is_refused(api: FakeBotApi, bot: PtbBot) -> None:
    with pytest.raises(BadRequest, match="File must be non-empty"):
        await bot.send_document(USER, document=b"", filename="vide.txt")


async def test_commands_per_language_and_scope(api: FakeBotApi, bot: PtbBot) -> None:
    french = [BotCommand("start", "Commencer"), BotCommand("aide", "Obtenir de l'aide")]
    english = [BotCommand("start", "Start"), BotCommand("help", "Get help")]
    assert await bot.set_my_commands(french, language_code="fr") is True
    assert await bot.set_my_commands(english)
    assert await bot.set_my_commands(
        [BotCommand("stop", "Arrêter")], scope=BotCommandScopeChat(USER)
    )

    assert await bot.get_my_commands(language_code="fr") == tuple(french)
    assert await bot.get_my_commands() == tuple(english)
    assert await bot.get_my_commands(scope=BotCommandScopeChat(USER)) == (
        BotCommand("stop", "Arrêter"),
    )
    assert await bot.get_my_commands(language_code="de") == ()
    assert api.commands(language_code="fr") == [
        {"command": "start", "description": "Commencer"},
        {"command": "aide", "description": "Obtenir de l'aide"},
    ]
    assert api.calls("setMyCommands")[0].params["language_code"] == "fr"

    assert await bot.delete_my_commands(language_code="fr")
    assert await bot.get_my_commands(language_code="fr") == ()


async def test_invalid_command_name_is_refused(api: FakeBotApi, bot: PtbBot) -> None:
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start", "Majuscule interdite")])


async def test_json_bodies_and_query_strings_are_understood(api: FakeBotApi) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{api.base_url}{api.token}/sendMessage",
            json={"chat_id": USER, "text": "json", "reply_markup": json.dumps(markup)},
        ) as response:
            assert response.status == 200
            body = await response.json()
        async with session.get(
            f"{api.base_url}{api.token}/getWebhookInfo", params={"foo": "1"}
        ) as response:
            info = await response.json()
        async with session.post(
            f"{api.base_url}{api.token}/sendMessage",
            data=b"{not json",
            headers={"Content-Type": "application/json"},
        ) as response:
            assert response.status == 400
    assert body["ok"] is True
    assert body["result"]["reply_markup"] == markup
    assert api.calls("sendMessage")[0].params["reply_markup"] == markup
    assert api.calls("sendMessage")[0].content_type == "application/json"
    assert info == {
        "ok": True,
        "result": {"url": "", "has_custom_certificate": False, "pending_update_count": 0},
    }
    assert api.calls("getWebhookInfo")[0].params == {"foo": 1}
    assert api.calls("getWebhookInfo")[0].http_method == "GET"


# ------------------------------------------------------------------ limits


async def test_text_length_limits(api: FakeBotApi, bot: PtbBot) -> None:
    assert (await bot.send_message(USER, "é" * 4096)).text == "é" * 4096
    with pytest.raises(BadRequest) as too_long:
        await bot.send_message(USER, "x" * 4097)
    # PTB strips "Bad Request: " and capitalises the first letter.
    assert str(too_long.value) == "Message is too long"
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "  \n ")
    refused = [r for r in api.calls("sendMessage") if not r.ok]
    assert [r.status for r in refused] == [400, 400, 400]
    assert refused[0].response == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: message is too long",
    }
    assert api.texts(USER) == ["é" * 4096]


async def test_length_is_measured_after_html_parsing(api: FakeBotApi, bot: PtbBot) -> None:
    text = "<b>" + "&amp;" * 4096 + "</b>"
    message = await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    assert message.text == "&" * 4096
    assert api.texts(USER, plain=True) == ["&" * 4096]
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "<i>" + "a" * 4097 + "</i>", parse_mode=ParseMode.HTML)


async def test_callback_data_limit_in_utf8_bytes(api: FakeBotApi, bot: PtbBot) -> None:
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="é" * 32)]])  # 64 bytes
    await bot.send_message(USER, "ok", reply_markup=ok)
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="é" * 33)]])
    with pytest.raises(BadRequest) as exc_info:
        await bot.send_message(USER, "trop long", reply_markup=too_long)
    assert (
        api.calls("sendMessage")[-1].response["description"] == "Bad Request: BUTTON_DATA_INVALID"
    )
    assert str(exc_info.value) == "Button_data_invalid"
    empty = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="")]])
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "vide", reply_markup=empty)


async def test_keyboard_size_limits(api: FakeBotApi, bot: PtbBot) -> None:
    def button(i: int) -> InlineKeyboardButton:
        return InlineKeyboardButton(str(i), callback_data=f"p:{i}")

    hundred = InlineKeyboardMarkup([[button(r * 5 + c) for c in range(5)] for r in range(20)])
    await bot.send_message(USER, "100 boutons", reply_markup=hundred)
    too_many = InlineKeyboardMarkup([[button(r * 5 + c) for c in range(5)] for r in range(21)])
    with pytest.raises(BadRequest, match="Reply markup is too long"):
        await bot.send_message(USER, "105 boutons", reply_markup=too_many)
    wide = InlineKeyboardMarkup([[button(i) for i in range(9)]])
    with pytest.raises(BadRequest, match="Reply markup is too long"):
        await bot.send_message(USER, "9 par ligne", reply_markup=wide)
    await bot.send_message(
        USER, "8 par ligne", reply_markup=InlineKeyboardMarkup([[button(i) for i in range(8)]])
    )
    assert api.texts(USER) == ["100 boutons", "8 par ligne"]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>gras", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>gras</i>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
        ("a<br>b", 'Unsupported start tag "br" at byte offset 1'),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ("Tom & Jerry", 'Unescaped "&" at byte offset 4'),
        ("&nbsp;", 'Unsupported HTML entity "&nbsp;" at byte offset 0'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("fin</b>", "Unexpected end tag at byte offset 3"),
    ],
)
async def test_invalid_html_is_refused(api: FakeBotApi, bot: PtbBot, text: str, error: str) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    description = api.calls("sendMessage")[-1].response["description"]
    assert description == f"Bad Request: can't parse entities: {error}"


async def test_valid_html_gives_entities(api: FakeBotApi, bot: PtbBot) -> None:
    text = (
        '<b>Inès</b> &amp; <a href="https://example.org/?a=1&amp;b=2">lien</a> '
        '<tg-spoiler>x</tg-spoiler> <span class="tg-spoiler">y</span> '
        '<pre><code class="language-python">print(1)</code></pre> &#128512; &lt;3 &quot;ok&quot; >'
    )
    message = await bot.send_message(USER, text, parse_mode=ParseMode.HTML)
    assert message.text == 'Inès & lien x y print(1) 😀 <3 "ok" >'
    kinds = [(e.type, e.offset, e.length) for e in message.entities]
    assert kinds == [
        ("bold", 0, 4),
        ("text_link", 7, 4),
        ("spoiler", 12, 1),
        ("spoiler", 14, 1),
        ("pre", 16, 8),
    ]
    assert message.entities[1].url == "https://example.org/?a=1&b=2"
    assert message.entities[4].language == "python"


def test_format_text_markdown_v2() -> None:
    assert format_text("*Bonjour* Inès\\!", "MarkdownV2") == (
        "Bonjour Inès!",
        [{"type": "bold", "offset": 0, "length": 7}],
    )
    plain, entities = format_text(
        "__sous__ ||caché|| [lien](https://ex.org/a\\)b) `x.y`", "MarkdownV2"
    )
    assert plain == "sous caché lien x.y"
    assert [e["type"] for e in entities] == ["underline", "spoiler", "text_link", "code"]
    assert entities[2]["url"] == "https://ex.org/a)b"
    assert format_text("  espaces  ", None) == ("espaces", [])


async def test_markdown_v2_reserved_character(api: FakeBotApi, bot: PtbBot) -> None:
    with pytest.raises(BadRequest):
        await bot.send_message(USER, "Bonjour Inès.", parse_mode=ParseMode.MARKDOWN_V2)
    assert api.calls("sendMessage")[-1].response["description"] == (
        "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
        "with the preceding '\\'"
    )
    with pytest.raises(BadRequest, match="can't find end of bold entity at byte offset 0"):
        await bot.send_message(USER, "*gras", parse_mode=ParseMode.MARKDOWN_V2)


# ------------------------------------------------------------------ edits and deletes


async def test_edit_message_text_removes_keyboard_and_detects_no_change(
    api: FakeBotApi, bot: PtbBot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Oui", callback_data="ci:1:y")]])
    sent = await bot.send_message(USER, "Question ?", reply_markup=keyboard)
    edited = await bot.edit_message_text("Question ? Oui", chat_id=USER, message_id=sent.message_id)
    assert isinstance(edited, Message)
    assert (edited.message_id, edited.text, edited.reply_markup) == (1, "Question ? Oui", None)
    current = api.last_message(USER)
    assert current is not None
    assert current["text"] == "Question ? Oui"
    assert "reply_markup" not in current
    assert "edit_date" in current
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Question ? Oui", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=USER, message_id=999)
    assert api.texts(USER) == ["Question ?", "Question ? Oui"]


async def test_edit_reply_markup_and_delete(api: FakeBotApi, bot: PtbBot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(USER, "Choix", reply_markup=keyboard)
    await bot.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    assert api.messages(USER)[0].get("reply_markup") is None
    assert await bot.delete_message(USER, sent.message_id) is True
    assert api.messages(USER) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


async def test_messages_older_than_48_hours_cannot_be_deleted() -> None:
    wall = FakeClock(1_700_000_000.0)
    async with FakeBotApi(wall_clock=wall) as api, make_bot(api) as bot:
        sent = await bot.send_message(USER, "Ancien")
        wall.advance(48 * 3600 + 1)
        with pytest.raises(BadRequest, match="Message can't be deleted for everyone"):
            await bot.delete_message(USER, sent.message_id)
        assert len(api.messages(USER)) == 1


async def test_answer_callback_query_and_chat_action(api: FakeBotApi, bot: PtbBot) -> None:
    assert await bot.answer_callback_query("10042", text="Merci") is True
    assert await bot.send_chat_action(USER, ChatAction.TYPING) is True
    assert api.calls("answerCallbackQuery")[0].params == {
        "callback_query_id": "10042",
        "text": "Merci",
    }
    assert api.calls("sendChatAction")[0].params == {"chat_id": USER, "action": "typing"}


# ------------------------------------------------------------------ scripted failures


async def test_fail_next_forbidden(api: FakeBotApi, bot: PtbBot) -> None:
    api.fail_next("sendMessage", chat_id=USER)
    with pytest.raises(Forbidden) as exc_info:
        await bot.send_message(USER, "bloqué ?")
    assert str(exc_info.value) == "Forbidden: bot was blocked by the user"
    await bot.send_message(USER, "la suite passe")  # times=1
    assert api.texts(USER) == ["la suite passe"]


async def test_fail_next_only_for_given_chat_and_times(api: FakeBotApi, bot: PtbBot) -> None:
    api.fail_next(
        "sendMessage",
        chat_id=OTHER,
        error_code=400,
        description="Bad Request: chat not found",
        times=2,
    )
    await bot.send_message(USER, "pas concerné")
    for _ in range(2):
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(OTHER, "x")
    await bot.send_message(OTHER, "enfin")
    assert api.texts(OTHER) == ["enfin"]


async def test_fail_next_retry_after(
    api: FakeBotApi, bot: PtbBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PTB_TIMEDELTA, reading RetryAfter.retry_after emits a PTBDeprecationWarning.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    api.fail_next("sendMessage", retry_after=7)
    with pytest.raises(RetryAfter) as exc_info:
        await bot.send_message(USER, "flood")
    assert exc_info.value.retry_after == dtm.timedelta(seconds=7)
    assert api.calls("sendMessage")[0].response == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_blocked_and_never_started_chats(api: FakeBotApi, bot: PtbBot) -> None:
    api.block(USER)
    api.never_started(OTHER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "x")
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_chat_action(USER, ChatAction.TYPING)
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(OTHER, "x")
    api.unblock(USER)
    await bot.send_message(USER, "de retour")
    assert api.texts(USER) == ["de retour"]
    assert [r.status for r in api.calls("sendMessage")] == [403, 403, 200]


async def test_delay_next_times_out_but_message_is_delivered(api: FakeBotApi) -> None:
    async with make_bot(api, read_timeout=0.2) as bot:
        api.delay_next("sendMessage", 5.0)
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_message(USER, "en doute")
        assert time.monotonic() - started < 2
        assert api.messages(USER)[0]["text"] == "en doute"
        await bot.send_message(USER, "suivant")
        assert [m["text"] for m in api.messages(USER)] == ["en doute", "suivant"]


async def test_delay_next_not_effective_sends_nothing(api: FakeBotApi, bot: PtbBot) -> None:
    api.delay_next("sendMessage", 0.05, effective=False)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "perdu")
    assert api.messages(USER) == []
    assert api.calls("sendMessage")[0].params["text"] == "perdu"


async def test_wrong_token_is_invalid_token(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken):
        async with make_bot(api, token="987654321:wrong-token"):
            pass
    (call,) = api.calls("getMe")
    assert call.status == 401
    assert call.response == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_method_is_404(api: FakeBotApi, bot: PtbBot) -> None:
    # PTB maps a 404 to InvalidToken before initialisation, to EndPointNotFound after.
    with pytest.raises(EndPointNotFound, match="Endpoint 'sendHologram' not found in Bot API"):
        await bot.do_api_request("sendHologram", api_kwargs={"chat_id": USER})
    (call,) = api.calls("sendHologram")
    assert call.response == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


# ------------------------------------------------------------------ rate limits


async def test_per_chat_rate_limit_with_fake_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = FakeClock()
    async with (
        FakeBotApi(enforce_limits=True, per_chat_per_second=1.0, chat_burst=3, clock=clock) as api,
        make_bot(api) as bot,
    ):
        for i in range(3):
            await bot.send_message(USER, f"rafale {i}")
        with pytest.raises(RetryAfter) as exc_info:
            await bot.send_message(USER, "de trop")
        assert exc_info.value.retry_after == dtm.timedelta(seconds=1)
        assert api.rate_limited == 1
        await bot.send_message(OTHER, "autre chat")  # its own bucket
        clock.advance(0.5)
        with pytest.raises(RetryAfter):
            await bot.send_message(USER, "encore trop tôt")
        clock.advance(0.5)
        await bot.send_message(USER, "après une seconde")
        assert api.rate_limited == 2
        clock.advance(1)
        with pytest.raises(BadRequest):  # refused requests do not use up the allowance
            await bot.send_message(USER, "")
        await bot.send_message(USER, "toujours permis")
        assert api.rate_limited == 2
        assert api.texts(USER) == [
            "rafale 0",
            "rafale 1",
            "rafale 2",
            "après une seconde",
            "toujours permis",
        ]


async def test_overall_rate_limit_with_fake_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    clock = FakeClock()
    async with (
        FakeBotApi(
            enforce_limits=True, overall_per_second=0.25, overall_burst=5, clock=clock
        ) as api,
        make_bot(api) as bot,
    ):
        for chat in range(5):
            await bot.send_message(1000 + chat, "diffusion")
        with pytest.raises(RetryAfter) as exc_info:
            await bot.send_message(2000, "un de trop")
        assert exc_info.value.retry_after == dtm.timedelta(seconds=4)
        assert api.rate_limited == 1
        # Other methods are not limited.
        assert await bot.send_chat_action(2000, ChatAction.TYPING)
        clock.advance(4)
        await bot.send_message(2000, "un de trop")
        assert api.texts(2000) == ["un de trop"]


# ------------------------------------------------------------------ getUpdates


async def test_get_updates_offset_and_limit(api: FakeBotApi, bot: PtbBot) -> None:
    first = api.push_update(tu.text_message(USER, "un"))
    api.push_update(tu.text_message(USER, "deux"))
    third = api.push_update({"message": tu.message_dict(OTHER, text="trois")})
    assert third["update_id"] == first["update_id"] + 2

    updates = await bot.get_updates(limit=2)
    assert [u.effective_message.text for u in updates if u.effective_message] == ["un", "deux"]
    again = await bot.get_updates()  # nothing confirmed yet
    assert len(again) == 3
    rest = await bot.get_updates(offset=updates[-1].update_id + 1)
    assert [u.update_id for u in rest] == [third["update_id"]]
    assert rest[0].effective_user is not None
    assert rest[0].effective_user.id == OTHER
    assert await bot.get_updates(offset=third["update_id"] + 1, timeout=0) == ()
    assert api.pending_updates == []


async def test_get_updates_long_poll_returns_when_pushed(api: FakeBotApi, bot: PtbBot) -> None:
    async def push_later() -> None:
        await asyncio.sleep(0.2)
        api.push_update(tu.command(USER, "/start", args="partner_x"))

    started = time.monotonic()
    pusher = asyncio.create_task(push_later())
    updates = await bot.get_updates(timeout=10)
    await pusher
    elapsed = time.monotonic() - started
    assert 0.15 < elapsed < 3
    assert len(updates) == 1
    message = updates[0].message
    assert message is not None
    assert message.text == "/start partner_x"
    assert message.parse_entities() == {message.entities[0]: "/start"}


async def test_get_updates_long_poll_times_out_empty(api: FakeBotApi, bot: PtbBot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 < time.monotonic() - started < 3


async def test_newer_get_updates_terminates_waiting_one(api: FakeBotApi, bot: PtbBot) -> None:
    async with make_bot(api) as second_bot:
        waiting = asyncio.create_task(bot.get_updates(timeout=10))
        await asyncio.sleep(0.2)
        assert await second_bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting


async def test_get_updates_refused_while_webhook_set(api: FakeBotApi, bot: PtbBot) -> None:
    api.push_update(tu.text_message(USER, "en attente"))
    assert await bot.set_webhook("https://mentorbot.example.org/telegram", secret_token="s3cr3t_x")
    info = await bot.get_webhook_info()
    assert info.url == "https://mentorbot.example.org/telegram"
    assert info.pending_update_count == 1
    assert api.webhook is not None
    assert api.webhook["secret_token"] == "s3cr3t_x"
    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    with pytest.raises(BadRequest, match="Bad webhook: an https url must be provided for webhook"):
        await bot.set_webhook("http://127.0.0.1:8080/telegram")
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates(timeout=0) == ()


async def test_allowed_updates_filter(api: FakeBotApi, bot: PtbBot) -> None:
    api.push_update(tu.text_message(USER, "texte"))
    api.push_update(tu.my_chat_member(USER, "kicked"))
    updates = await bot.get_updates(allowed_updates=["my_chat_member"])
    assert len(updates) == 1
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "kicked"


async def test_application_polling_end_to_end(api: FakeBotApi) -> None:
    replies: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        args = context.args or []
        replies.append(" ".join(args))
        await update.effective_message.reply_text(f"Bienvenue ({args[0]})")

    application = (
        Application.builder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=5))
        await application.start()
        api.push_update(tu.command(USER, "/start", args="partner_x"))
        for _ in range(100):
            if api.texts(USER):
                break
            await asyncio.sleep(0.05)
        await application.updater.stop()
        await application.stop()
    assert replies == ["partner_x"]
    assert api.texts(USER) == ["Bienvenue (partner_x)"]
    assert api.calls("deleteWebhook"), "the updater bootstraps by deleting the webhook"


# ------------------------------------------------------------------ update factories


async def test_factories_parse_with_update_de_json(bot: PtbBot) -> None:
    factory = tu.UpdateFactory(first_update_id=1, first_message_id=50)
    text = Update.de_json(factory.text_message(USER, "Salut", first_name="Léa"), bot)
    assert text.update_id == 1
    assert text.effective_user is not None
    assert (text.effective_user.id, text.effective_user.first_name) == (USER, "Léa")
    assert text.effective_user.language_code == "fr"
    assert text.effective_user.is_bot is False
    assert text.message is not None
    assert (text.message.text, text.message.message_id) == ("Salut", 50)
    assert text.effective_chat is not None
    assert text.effective_chat.id == USER

    cmd = Update.de_json(factory.command(USER, "start", args="partner_x"), bot)
    assert cmd.update_id == 2
    assert cmd.message is not None
    assert cmd.message.text == "/start partner_x"
    assert cmd.message.entities[0].type == "bot_command"
    assert cmd.message.entities[0].length == len("/start")

    press = Update.de_json(
        factory.callback(USER, "ci:17:yes", message_id=3, message_text="Ça va ?"), bot
    )
    assert press.callback_query is not None
    assert press.callback_query.data == "ci:17:yes"
    assert press.callback_query.from_user.id == USER
    attached = press.callback_query.message
    assert attached is not None
    assert attached.message_id == 3
    assert attached.chat.id == USER

    sticker = Update.de_json(factory.sticker(USER), bot)
    assert sticker.effective_message is not None
    assert sticker.effective_message.sticker is not None
    assert sticker.effective_message.sticker.emoji == "👍"

    photo = Update.de_json(factory.photo(USER, caption="cv"), bot)
    assert photo.effective_message is not None
    assert photo.effective_message.photo[-1].width == 800
    assert photo.effective_message.caption == "cv"

    voice = Update.de_json(factory.voice(USER), bot)
    assert voice.effective_message is not None
    assert voice.effective_message.voice is not None
    assert voice.effective_message.voice.mime_type == "audio/ogg"

    place = Update.de_json(factory.location(USER), bot)
    assert place.effective_message is not None
    assert place.effective_message.location is not None
    assert place.effective_message.location.latitude == pytest.approx(48.8566)

    edited = Update.de_json(factory.edited_message(USER, "corrigé", message_id=50), bot)
    assert edited.edited_message is not None
    assert edited.edited_message.text == "corrigé"
    assert edited.edited_message.edit_date is not None

    kicked = Update.de_json(factory.my_chat_member(USER, "kicked"), bot)
    assert kicked.my_chat_member is not None
    assert kicked.my_chat_member.old_chat_member.status == "member"
    assert kicked.my_chat_member.new_chat_member.status == "kicked"
    assert kicked.effective_user is not None
    assert kicked.effective_user.id == USER
    back = Update.de_json(factory.my_chat_member(USER, "member"), bot)
    assert back.my_chat_member is not None
    assert back.my_chat_member.new_chat_member.status == "member"

    ids = [u.update_id for u in (text, cmd, press, sticker, photo, voice, place, edited, kicked)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_module_level_factories_increase_ids() -> None:
    first = tu.text_message(USER, "a")
    second = tu.text_message(USER, "b")
    assert second["update_id"] == first["update_id"] + 1
    assert second["message"]["message_id"] == first["message"]["message_id"] + 1
    assert first["message"]["from"] == {
        "id": USER,
        "is_bot": False,
        "first_name": "Inès",
        "language_code": "fr",
    }


async def test_seed_message_can_be_edited(api: FakeBotApi, bot: PtbBot) -> None:
    markup = {"inline_keyboard": [[{"text": "Oui", "callback_data": "ci:3:y"}]]}
    seeded = api.seed_message(USER, "Ça va ?", reply_markup=markup)
    assert seeded["message_id"] == 1
    press = Update.de_json(
        tu.callback(USER, "ci:3:y", message_id=seeded["message_id"], reply_markup=markup), bot
    )
    assert press.callback_query is not None
    assert press.callback_query.message is not None
    edited = await bot.edit_message_text(
        "Ça va ? Oui", chat_id=USER, message_id=press.callback_query.message.message_id
    )
    assert isinstance(edited, Message)
    assert edited.text == "Ça va ? Oui"
    assert api.last_keyboard(USER) is None
