"""Files and long texts on Telegram: a document or photo a youth sends becomes a FILE event
(downloaded first, or refused with the reason), what cannot be passed on is named, and
what the bot sends goes as documents and as several messages when too long for one. The
real python-telegram-bot against the stand-in Bot API."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Bot, Update

from bot.container import Services
from bot.i18n import TemplateRenderer
from conversations.core.messages import Attachment, Incoming, Kind, Reply, SendStatus
from conversations.core.response import Response
from handlers.telegram import TelegramSender, split_text
from handlers.telegram.rendering import MAX_CAPTION, MAX_MESSAGE
from storage.models import ProcessedEvent
from tests.fakes.telegram_api import FakeBotApi, parse_html
from tests.fakes.telegram_fixtures import USER, RunningBot
from tests.fakes.telegram_updates import UpdateFactory
from tests.handlers.relay_templates import relay_renderer

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
MB = 1024 * 1024


@pytest.fixture
def seen(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[Incoming]:
    """Every event the engine is handed (it still handles them)."""
    received: list[Incoming] = []
    handle = services.engine.handle

    async def recording(incoming: Incoming) -> Response:
        received.append(incoming)
        return await handle(incoming)

    monkeypatch.setattr(services.engine, "handle", recording)
    return received


async def deliver(telegram: RunningBot, update: dict[str, object]) -> None:
    application = telegram.application
    await application.process_update(Update.de_json(update, application.bot))


# ---------------------------------------------------------------- files in


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("CV Inès.pdf", "application/pdf"),
        ("lettre.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("lettre.doc", "application/msword"),
        ("cv.odt", "application/vnd.oasis.opendocument.text"),
        ("notes.ods", "application/vnd.oasis.opendocument.spreadsheet"),
        ("slides.odp", "application/vnd.oasis.opendocument.presentation"),
        ("scan.png", "image/png"),
        ("scan.heic", "image/heic"),
        ("scan.webp", "image/webp"),
        # some phones say nothing useful: the name's extension decides
        ("cv.pdf", "application/octet-stream"),
    ],
)
async def test_a_document_is_downloaded_before_the_engine_sees_it(
    telegram: RunningBot, seen: list[Incoming], name: str, mime: str
) -> None:
    document = telegram.api.user_file(PDF, name, mime)
    await deliver(telegram, UpdateFactory().document(USER, document, caption="mon CV"))
    (event,) = seen
    assert (event.kind, event.text, event.file_refused) == (Kind.FILE, "mon CV", "")
    (attachment,) = event.files
    assert (attachment.filename, attachment.content) == (name, PDF)
    assert attachment.mime_type == (
        mime if mime != "application/octet-stream" else "application/pdf"
    )
    assert [call.params["file_id"] for call in telegram.api.calls("getFile")] == [
        document["file_id"]
    ]


async def test_a_photo_comes_as_its_largest_size(
    telegram: RunningBot, seen: list[Incoming]
) -> None:
    jpeg = b"\xff\xd8\xff\xe0 a photo of a CV"
    largest = telegram.api.user_photo(jpeg)
    await deliver(telegram, UpdateFactory().photo_of(USER, largest))
    (event,) = seen
    assert (event.kind, event.text) == (Kind.FILE, "")
    assert event.files == (Attachment("photo.jpg", jpeg, "image/jpeg"),)
    (call,) = telegram.api.calls("getFile")
    assert call.params["file_id"] == largest["file_id"]


async def test_a_file_over_20_mb_is_refused_without_being_downloaded(
    telegram: RunningBot, seen: list[Incoming]
) -> None:
    document = telegram.api.user_file(b"big", "thèse.pdf", "application/pdf", size=25 * MB)
    await deliver(telegram, UpdateFactory().document(USER, document, caption="ma thèse"))
    (event,) = seen
    assert (event.kind, event.file_refused, event.files, event.text) == (
        Kind.FILE,
        "too_large",
        (),
        "ma thèse",
    )
    assert telegram.api.calls("getFile") == []


async def test_a_file_whose_size_only_telegram_knows_is_refused_when_it_says_so(
    telegram: RunningBot, seen: list[Incoming]
) -> None:
    document = telegram.api.user_file(b"big", "thèse.pdf", "application/pdf", size=25 * MB)
    del document["file_size"]  # the update does not always say
    await deliver(telegram, UpdateFactory().document(USER, document))
    (event,) = seen
    assert (event.file_refused, event.files) == ("too_large", ())


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("archive.zip", "application/zip"),
        ("setup.exe", "application/x-msdownload"),
        ("page.html", "text/html"),
        ("cv.pdf.exe", "application/octet-stream"),
    ],
)
async def test_a_file_type_we_do_not_pass_on_is_refused_without_being_downloaded(
    telegram: RunningBot, seen: list[Incoming], name: str, mime: str
) -> None:
    document = telegram.api.user_file(b"MZ...", name, mime)
    await deliver(telegram, UpdateFactory().document(USER, document))
    (event,) = seen
    assert (event.kind, event.file_refused, event.files) == (Kind.FILE, "unsupported_type", ())
    assert telegram.api.calls("getFile") == []


async def test_a_failed_download_is_said_so(telegram: RunningBot, seen: list[Incoming]) -> None:
    document = {
        "file_id": "BQACAgQAAxkBAAIunknownFileId",
        "file_unique_id": "AgADunknown",
        "file_name": "cv.pdf",
        "mime_type": "application/pdf",
        "file_size": 1234,
    }
    await deliver(telegram, UpdateFactory().document(USER, document))
    (event,) = seen
    assert (event.kind, event.file_refused, event.files) == (Kind.FILE, "download_failed", ())


def media(**fields: object) -> dict[str, object]:
    """A file Telegram describes (video, audio...), with its ids."""
    return {"file_id": "AwACAgQAAxkBAAIFakeMedia", "file_unique_id": "AgADmedia", **fields}


POLL = {
    "id": "1",
    "question": "On se voit quand ?",
    "options": [{"text": "lundi", "voter_count": 0, "persistent_id": "o1"}],
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "type": "regular",
    "allows_multiple_answers": False,
    "allows_revoting": False,
    "members_only": False,
}
UNSUPPORTED = [
    ({"video": media(width=640, height=480, duration=3)}, "video"),
    ({"video_note": media(length=240, duration=3)}, "video"),
    # a GIF comes as an animation and as a document: a video, not a file to pass on
    (
        {
            "animation": media(width=320, height=240, duration=2),
            "document": media(file_name="a.gif.mp4", mime_type="video/mp4"),
        },
        "video",
    ),
    ({"audio": media(duration=180)}, "audio"),
    ({"location": {"latitude": 48.85, "longitude": 2.35}}, "location"),
    ({"contact": {"phone_number": "+33600000000", "first_name": "Léa"}}, "contact"),
    ({"poll": POLL}, "poll"),
    ({"dice": {"emoji": "🎲", "value": 3}}, "other"),
]


@pytest.mark.parametrize(("content", "what"), UNSUPPORTED, ids=[w for _, w in UNSUPPORTED])
async def test_what_cannot_be_passed_on_is_named(
    telegram: RunningBot, seen: list[Incoming], content: dict[str, Any], what: str
) -> None:
    await deliver(telegram, UpdateFactory().content_message(USER, **content))
    (event,) = seen
    assert (event.kind, event.text, event.files) == (Kind.UNSUPPORTED, what, ())
    assert telegram.api.calls("getFile") == []


@pytest.mark.parametrize("kind", ["sticker", "voice"])
async def test_stickers_and_voice_notes_are_named(
    telegram: RunningBot, seen: list[Incoming], kind: str
) -> None:
    await deliver(telegram, getattr(UpdateFactory(), kind)(USER))
    (event,) = seen
    assert (event.kind, event.text) == (Kind.UNSUPPORTED, kind)


async def test_a_redelivered_document_update_is_handled_once(
    telegram: RunningBot, services: Services, seen: list[Incoming]
) -> None:
    document = telegram.api.user_file(PDF, "cv.pdf", "application/pdf")
    update = UpdateFactory().document(USER, document, caption="mon CV")
    await deliver(telegram, update)
    answered = len(telegram.api.requests)
    await deliver(telegram, update)  # Telegram sends it again (a webhook timed out)
    assert [event.event_id for event in seen] == [str(update["update_id"])] * 2
    async with services.sessions() as session:
        recorded = (await session.scalars(select(ProcessedEvent))).all()
    assert len(recorded) == 1
    sent_after = [r.method for r in telegram.api.requests[answered:]]
    assert "sendMessage" not in sent_after  # nothing said twice


# ---------------------------------------------------------------- files and long texts out


@pytest.fixture
def renderer(tmp_path: Path) -> TemplateRenderer:
    return relay_renderer(tmp_path)


@pytest.fixture
async def sender(api: FakeBotApi, renderer: TemplateRenderer) -> AsyncIterator[TelegramSender]:
    telegram_sender = TelegramSender(Bot(api.token, base_url=api.base_url), renderer)
    yield telegram_sender
    await telegram_sender.close()


def said(text: str, **extra: object) -> Reply:
    return Reply("test.said", {"writer": "Claire", "text": text}, **extra)  # type: ignore[arg-type]


async def test_a_sent_message_says_where_it_landed(api: FakeBotApi, sender: TelegramSender) -> None:
    result = await sender.send(str(USER), said("Bonjour"))
    (message,) = api.messages(USER)
    assert (result.status, result.chat, result.ref) == (
        SendStatus.SENT,
        str(USER),
        str(message["message_id"]),
    )


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("cv.pdf", "application/pdf"),
        ("lettre.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("cv.odt", "application/vnd.oasis.opendocument.text"),
        ("photo.jpg", "image/jpeg"),
    ],
)
async def test_a_file_goes_as_a_document_its_text_as_the_caption(
    api: FakeBotApi, sender: TelegramSender, name: str, mime: str
) -> None:
    reply = Reply("test.file", {"writer": "Claire"}, attachment=Attachment(name, PDF, mime))
    result = await sender.send(str(USER), reply)
    assert api.calls("sendMessage") == []
    (call,) = api.calls("sendDocument")
    assert call.ok
    assert (call.files["document"].filename, call.files["document"].content) == (name, PDF)
    assert call.result["caption"] == "📎 Claire t'envoie un fichier."
    assert result.ref == str(call.result["message_id"])


async def test_a_text_too_long_for_a_caption_goes_first_then_the_document(
    api: FakeBotApi, sender: TelegramSender
) -> None:
    words = "un paragraphe de la lettre " * 60  # about 1,600 characters
    reply = said(words, attachment=Attachment("cv.pdf", PDF, "application/pdf"))
    result = await sender.send(str(USER), reply)
    assert [r.method for r in api.requests if r.ok] == ["getMe", "sendMessage", "sendDocument"]
    (document,) = api.calls("sendDocument")
    assert "caption" not in document.result
    assert api.texts(USER, plain=True)[0].startswith("💬 Claire : un paragraphe")
    assert result.ref == str(document.result["message_id"])


async def test_a_long_message_goes_as_several_each_valid(
    api: FakeBotApi, sender: TelegramSender
) -> None:
    paragraph = "Voici ce que j'en pense : <b>gras</b> & *pas gras* <@U123> &amp; " * 20
    text = "\n\n".join([paragraph] * 8)  # a mentor's 10,000-character message
    assert len(text) > 10_000
    result = await sender.send(str(USER), said(text))
    assert result.status is SendStatus.SENT
    parts = api.texts(USER, plain=True)
    assert len(parts) >= 3
    assert all(call.ok for call in api.calls("sendMessage"))
    # nothing lost or added but the spaces at the cuts; the words shown as typed
    joined = re.sub(r"\s+", " ", " ".join(parts))
    assert joined == re.sub(r"\s+", " ", f"💬 Claire : {text}").strip()
    assert result.ref == str(api.messages(USER)[-1]["message_id"])


# ---------------------------------------------------------------- splitting


def test_a_short_text_is_one_part() -> None:
    assert split_text("Bonjour <b>Inès</b>") == ["Bonjour <b>Inès</b>"]


def test_parts_end_at_paragraphs_then_lines_then_words() -> None:
    paragraphs = ["a" * 60, "b" * 60, "c" * 60]
    assert split_text("\n\n".join(paragraphs), 130) == ["a" * 60 + "\n\n" + "b" * 60, "c" * 60]
    lines = "\n".join(["d" * 60, "e" * 60, "f" * 60])
    assert split_text(lines, 130) == ["d" * 60 + "\n" + "e" * 60, "f" * 60]
    words = " ".join(["mot"] * 40)  # 159 characters
    first, second = split_text(words, 100)
    assert first.endswith("mot")
    assert second.startswith("mot")
    assert len(first) <= 100
    solid = "x" * 250
    assert split_text(solid, 100) == ["x" * 100, "x" * 100, "x" * 50]


def test_a_cut_never_falls_inside_an_entity_or_a_tag() -> None:
    text = "&amp;" * 30 + '<a href="https://example.org/a_b">lien</a>' * 5
    for limit in range(45, 90):
        for part in split_text(text, limit):
            assert len(part) <= limit
            parse_html(part)  # valid: Telegram would take it
    assert html.unescape("".join(split_text("&amp;" * 30, 12))) == "&" * 30


def test_a_tag_open_at_a_cut_is_closed_and_opened_again() -> None:
    text = "<b>" + " ".join(["gras"] * 50) + "</b> fin"
    parts = split_text(text, 60)
    assert len(parts) > 2
    for part in parts:
        assert len(part) <= 60
        parse_html(part)
    assert all(part.startswith("<b>") for part in parts)
    plain = " ".join(parse_html(part)[0] for part in parts)
    assert plain == " ".join(["gras"] * 50) + " fin"


def test_an_emoji_counts_as_telegram_counts_it() -> None:
    parts = split_text("😀" * 3000)
    assert len(parts) == 2
    assert all(len(part.encode("utf-16-le")) // 2 <= MAX_MESSAGE for part in parts)
    assert "".join(parts) == "😀" * 3000


def test_limits_are_telegrams() -> None:
    assert (MAX_MESSAGE, MAX_CAPTION) == (4096, 1024)
