"""Slack both ways for people in touch: what a mentor posts in the bot's DM (text as they
see it, files downloaded with the bot token) and what staff reply in a case's thread reach
the engine; what the outbox sends lands where it says (channel, ts, thread) and files are
shared with `files_upload_v2`. The real Bolt app and AsyncWebClient against the stand-in
Web API, with requests signed like Slack's."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.container import Services
from bot.i18n import TemplateRenderer
from conversations.core.messages import (
    Attachment,
    Choice,
    Incoming,
    Kind,
    Reply,
    SendStatus,
)
from conversations.core.response import Response
from handlers.slack import SlackRenderer, SlackSender, build_client
from handlers.slack.incoming import plain_text
from storage.models import ProcessedEvent
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_bot import TOKEN, SlackHarness
from tests.handlers.relay_templates import relay_renderer
from tests.handlers.slack.conftest import MENTOR, STAFF, STAFF_CHANNEL

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 20
MB = 1024 * 1024


@pytest.fixture
def seen(services: Services, monkeypatch: pytest.MonkeyPatch) -> list[Incoming]:
    """What the engine is handed (answered with nothing: only the translation is tested)."""
    received: list[Incoming] = []

    async def recording(incoming: Incoming) -> Response:
        received.append(incoming)
        return Response()

    monkeypatch.setattr(services.engine, "handle", recording)
    return received


async def post(slack: SlackHarness, event: dict[str, object], **options: object) -> None:
    status, _ = await slack.send(*slack.requests.event(event, **options))  # type: ignore[arg-type]
    assert status == 200


# ---------------------------------------------------------------- messages in


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("Bonjour Inès", "Bonjour Inès"),
        ("Tom &amp; Jerry &lt;3 &gt; 2", "Tom & Jerry <3 > 2"),
        ("écris à <@U123> ou <@U456|claire>", "écris à @U123 ou @claire"),
        ("<!channel> et <!here>", "@channel et @here"),
        ("<!subteam^S1|@equipe> voit <#C1|general>", "@equipe voit #general"),
        ("mon site <https://example.org/cv|mon CV>", "mon site mon CV (https://example.org/cv)"),
        ("<https://example.org/a?b=1&amp;c=2>", "https://example.org/a?b=1&c=2"),
        ("<mailto:claire@example.org|claire@example.org>", "claire@example.org"),
        (
            "&lt;b&gt;pas du HTML&lt;/b&gt; *gras* _it_ ~barré~",
            "<b>pas du HTML</b> *gras* _it_ ~barré~",
        ),
        ("&amp;amp; reste &amp;amp;", "&amp; reste &amp;"),
    ],
)
def test_slack_text_is_read_back_as_the_person_typed_it(sent: str, shown: str) -> None:
    assert plain_text(sent) == shown


async def test_a_direct_message_reaches_the_engine_as_text_with_its_thread(
    slack: SlackHarness, seen: list[Incoming]
) -> None:
    requests = slack.requests
    await post(slack, requests.message_im(MENTOR, "Bonjour &amp; bienvenue"), event_id="EvA")
    await post(slack, requests.message_im(MENTOR, "dans le fil", thread_ts="1700000000.000100"))
    first, second = seen
    assert (first.kind, first.text, first.thread, first.chat_id) == (
        Kind.TEXT,
        "Bonjour & bienvenue",
        None,
        f"D{MENTOR}",
    )
    assert (first.event_id, first.external_id, dict(first.metadata)) == ("EvA", MENTOR, {})
    assert (second.text, second.thread) == ("dans le fil", "1700000000.000100")


async def test_a_10000_character_message_reaches_the_engine_whole(
    slack: SlackHarness, seen: list[Incoming]
) -> None:
    long = ("Une très longue réponse, avec des détails. " * 250)[:10_000]
    await post(slack, slack.requests.message_im(MENTOR, long))
    absurd = "x" * 50_000
    await post(slack, slack.requests.message_im(MENTOR, absurd))
    whole, cut = seen
    assert whole.text == long
    assert cut.text == "x" * 40_000  # Slack's own limit, no more


async def test_a_file_is_downloaded_with_the_bot_token_before_the_engine_sees_it(
    slack: SlackHarness, seen: list[Incoming], slack_api: FakeSlackApi
) -> None:
    shared = slack_api.add_user_file("CV relu.pdf", PDF, "application/pdf", user=MENTOR)
    image = slack_api.add_user_file("annotations.png", b"\x89PNG...", "image/png", user=MENTOR)
    await post(
        slack,
        slack.requests.message_im(
            MENTOR, "voici mes remarques", thread_ts="1700000000.000100", files=[shared, image]
        ),
    )
    (event,) = seen
    assert (event.kind, event.text, event.thread, event.file_refused) == (
        Kind.FILE,
        "voici mes remarques",
        "1700000000.000100",
        "",
    )
    assert event.files == (
        Attachment("CV relu.pdf", PDF, "application/pdf"),
        Attachment("annotations.png", b"\x89PNG...", "image/png"),
    )
    assert len(slack_api.calls("file_download")) == 2


@pytest.mark.parametrize(
    ("name", "mime", "size", "mode", "why"),
    [
        ("thèse.pdf", "application/pdf", 25 * MB, "hosted", "too_large"),
        ("archive.zip", "application/zip", None, "hosted", "unsupported_type"),
        ("script.sh", "text/x-sh", None, "hosted", "unsupported_type"),
        # a free workspace's file older than its history limit: no URL to fetch
        ("cv.pdf", "application/pdf", None, "hidden_by_limit", "download_failed"),
    ],
)
async def test_a_file_we_cannot_take_is_refused_without_being_downloaded(
    slack: SlackHarness,
    seen: list[Incoming],
    slack_api: FakeSlackApi,
    name: str,
    mime: str,
    size: int | None,
    mode: str,
    why: str,
) -> None:
    shared = slack_api.add_user_file(name, b"...", mime, user=MENTOR, size=size, mode=mode)
    await post(slack, slack.requests.message_im(MENTOR, "", files=[shared]))
    (event,) = seen
    assert (event.kind, event.file_refused, event.files) == (Kind.FILE, why, ())
    assert slack_api.calls("file_download") == []


async def test_one_file_refused_does_not_stop_the_other(
    slack: SlackHarness, seen: list[Incoming], slack_api: FakeSlackApi
) -> None:
    good = slack_api.add_user_file("cv.pdf", PDF, "application/pdf", user=MENTOR)
    bad = slack_api.add_user_file("jeu.exe", b"MZ", "application/x-msdownload", user=MENTOR)
    await post(slack, slack.requests.message_im(MENTOR, "", files=[bad, good]))
    (event,) = seen
    assert event.files == (Attachment("cv.pdf", PDF, "application/pdf"),)
    assert event.file_refused == "unsupported_type"


async def test_a_download_slack_refuses_is_said_so(
    slack: SlackHarness, seen: list[Incoming], slack_api: FakeSlackApi
) -> None:
    shared = slack_api.add_user_file("cv.pdf", PDF, "application/pdf", user=MENTOR)
    slack_api.can_read_files = False  # the app was installed without files:read
    await post(slack, slack.requests.message_im(MENTOR, "mon CV", files=[shared]))
    (event,) = seen
    # Slack answers a sign-in page, not the file: that is no CV
    assert (event.file_refused, event.files, event.text) == ("download_failed", (), "mon CV")


async def test_staff_replies_in_a_case_thread_reach_the_engine_marked_in_channel(
    slack: SlackHarness, seen: list[Incoming], slack_api: FakeSlackApi
) -> None:
    requests = slack.requests
    case_post = "1700000000.000500"
    await post(
        slack, requests.message_channel(STAFF, STAFF_CHANNEL, "Je m'en occupe", thread_ts=case_post)
    )
    shared = slack_api.add_user_file("guide.pdf", PDF, "application/pdf", user=STAFF)
    await post(
        slack,
        requests.message_channel(
            STAFF, STAFF_CHANNEL, "le guide", thread_ts=case_post, files=[shared]
        ),
    )
    text, file = seen
    assert (text.kind, text.text, text.chat_id, text.thread, dict(text.metadata)) == (
        Kind.TEXT,
        "Je m'en occupe",
        STAFF_CHANNEL,
        case_post,
        {"in_channel": True},
    )
    assert (file.kind, file.files, dict(file.metadata)) == (
        Kind.FILE,
        (Attachment("guide.pdf", PDF, "application/pdf"),),
        {"in_channel": True},
    )


async def test_what_is_not_a_person_writing_to_the_bot_is_ignored(
    slack: SlackHarness, seen: list[Incoming]
) -> None:
    requests = slack.requests
    top_level = requests.message_channel(STAFF, STAFF_CHANNEL, "bonjour l'équipe")
    # a thread's parent carries thread_ts equal to its own ts
    parent = requests.message_channel(STAFF, STAFF_CHANNEL, "fil")
    parent["thread_ts"] = parent["ts"]
    elsewhere = requests.message_channel(STAFF, "CGENERAL", "ailleurs", thread_ts="1.000001")
    private = requests.message_channel(
        STAFF, "GPRIVATE", "ailleurs", thread_ts="1.000001", channel_type="group"
    )
    for event in (
        top_level,
        parent,
        elsewhere,
        private,
        requests.bot_message("mon propre message", f"D{MENTOR}"),
        requests.bot_message("ma réponse", STAFF_CHANNEL, thread_ts="1.000001"),
        requests.message_changed(MENTOR, "édité"),
        requests.channel_join(STAFF, STAFF_CHANNEL),
        {**requests.message_im(MENTOR, "supprimé"), "subtype": "message_deleted"},
    ):
        await post(slack, event)
    assert seen == []


async def test_the_same_event_retried_three_times_is_handled_once(
    slack: SlackHarness, services: Services, slack_api: FakeSlackApi
) -> None:
    handed: list[Incoming] = []
    handle = services.engine.handle

    async def recording(incoming: Incoming) -> Response:
        handed.append(incoming)
        return await handle(incoming)

    services.engine.handle = recording  # type: ignore[method-assign]
    message = slack.requests.message_im(MENTOR, "Bonjour")
    await post(slack, message, event_id="EvRetried")
    answered = len(slack_api.messages(MENTOR))
    for attempt in (1, 2, 3):  # Slack did not get our 200 in time, and tries again
        await post(slack, message, event_id="EvRetried", retry_num=attempt)
    assert [event.event_id for event in handed] == ["EvRetried"] * 4
    async with services.sessions() as session:
        recorded = (await session.scalars(select(ProcessedEvent.event_id))).all()
    assert [event for event in recorded if "EvRetried" in event] == ["EvRetried"]
    assert len(slack_api.messages(MENTOR)) == answered  # nothing said twice


# ---------------------------------------------------------------- the outbox sender


@pytest.fixture
def renderer(tmp_path: Path) -> TemplateRenderer:
    return relay_renderer(tmp_path)


def sender(services: Services, api: FakeSlackApi, renderer: TemplateRenderer) -> SlackSender:
    client = build_client(TOKEN, api.base_url, retry_on_rate_limit=False)
    return SlackSender(client, SlackRenderer(renderer), services.clock, STAFF_CHANNEL)


def said(text: str, **extra: object) -> Reply:
    return Reply("test.said", {"writer": "Inès", "text": text}, **extra)  # type: ignore[arg-type]


async def test_a_posted_message_says_where_it_landed_and_threads_are_kept(
    services: Services, slack_api: FakeSlackApi, renderer: TemplateRenderer
) -> None:
    outbox = sender(services, slack_api, renderer)
    first = await outbox.send(MENTOR, said("Bonjour"))
    assert (first.status, first.chat) == (SendStatus.SENT, f"D{MENTOR}")
    assert first.ref == slack_api.last_post(MENTOR)[1]
    reply = await outbox.send(MENTOR, said("Merci", thread=first.ref))
    posted = slack_api.messages(MENTOR)[-1]
    assert posted["thread_ts"] == first.ref
    assert reply.ref == slack_api.last_post(MENTOR)[1] != first.ref
    staff = await outbox.send("staff", said("Nouveau cas"))
    assert staff.chat == STAFF_CHANNEL


async def test_a_file_is_shared_in_the_dm_with_its_text_as_comment(
    services: Services, slack_api: FakeSlackApi, renderer: TemplateRenderer
) -> None:
    outbox = sender(services, slack_api, renderer)
    thread = (await outbox.send(MENTOR, said("l'introduction"))).ref
    reply = Reply(
        "test.file",
        {"writer": "Inès"},
        attachment=Attachment("CV Inès.pdf", PDF, "application/pdf"),
        thread=thread,
    )
    result = await outbox.send(MENTOR, reply)
    assert (result.status, result.chat) == (SendStatus.SENT, f"D{MENTOR}")
    assert slack_api.calls("conversations.open")[0]["users"] == MENTOR
    (upload,) = slack_api.uploads(MENTOR)
    assert (upload.name, upload.content, upload.channel, upload.thread_ts) == (
        "CV Inès.pdf",
        PDF,
        f"D{MENTOR}",
        thread,
    )
    assert upload.initial_comment == "📎 Inès t'envoie un fichier."
    assert len(slack_api.messages(MENTOR)) == 1  # the file came with its comment, alone


async def test_a_file_with_buttons_follows_its_message(
    services: Services, slack_api: FakeSlackApi, renderer: TemplateRenderer
) -> None:
    outbox = sender(services, slack_api, renderer)
    reply = Reply(
        "test.file",
        {"writer": "Inès"},
        choices=(Choice("test.said", "x:1", {"writer": "a", "text": "OK"}),),
        attachment=Attachment("cv.pdf", PDF, "application/pdf"),
    )
    result = await outbox.send(MENTOR, reply)
    (message,) = slack_api.messages(MENTOR)
    assert [b["type"] for b in message["blocks"]] == ["section", "actions"]
    (upload,) = slack_api.uploads(MENTOR)
    assert (upload.content, upload.initial_comment) == (PDF, None)
    assert result.ref == slack_api.last_post(MENTOR)[1]


@pytest.mark.parametrize(
    ("method", "error", "retry_after", "expected"),
    [
        ("files.getUploadURLExternal", "ratelimited", 20, SendStatus.RETRY),
        ("files.completeUploadExternal", "ratelimited", 20, SendStatus.RETRY),
        ("files.completeUploadExternal", "channel_not_found", None, SendStatus.UNDELIVERABLE),
        ("conversations.open", "user_disabled", None, SendStatus.UNDELIVERABLE),
        ("files.getUploadURLExternal", "internal_error", None, SendStatus.RETRY),
    ],
)
async def test_upload_errors_are_outbox_outcomes(
    services: Services,
    slack_api: FakeSlackApi,
    renderer: TemplateRenderer,
    method: str,
    error: str,
    retry_after: int | None,
    expected: SendStatus,
) -> None:
    outbox = sender(services, slack_api, renderer)
    status = 500 if error == "internal_error" else 200
    slack_api.fail_next(method, error, retry_after=retry_after, status=status)
    reply = Reply(
        "test.file", {"writer": "Inès"}, attachment=Attachment("cv.pdf", PDF, "application/pdf")
    )
    result = await outbox.send(MENTOR, reply)
    assert result.status is expected
    if retry_after is not None:
        assert result.retry_after == retry_after
    assert slack_api.uploads() == []


async def test_answers_to_a_case_thread_reply_go_in_that_thread_or_to_the_dm(
    slack: SlackHarness, services: Services, slack_api: FakeSlackApi
) -> None:
    case_post = "1700000000.000500"

    async def answering(incoming: Incoming) -> Response:
        return Response(
            replies=[
                Reply("common.unsupported", thread=incoming.thread),
                Reply("common.unsupported"),
            ]
        )

    services.engine.handle = answering  # type: ignore[method-assign]
    await post(
        slack,
        slack.requests.message_channel(STAFF, STAFF_CHANNEL, "Bonjour", thread_ts=case_post),
    )
    in_thread, in_dm = slack_api.calls("chat.postMessage")
    assert (in_thread["channel"], in_thread["thread_ts"]) == (STAFF_CHANNEL, case_post)
    assert in_dm["channel"] == STAFF
    assert "thread_ts" not in in_dm


async def test_a_long_message_is_cut_into_sections_between_words(
    services: Services, slack_api: FakeSlackApi, renderer: TemplateRenderer
) -> None:
    # what a youth wrote, with entities and a link-looking text near every cut
    chunk = "Tom & Jerry <https://x.example|lien> " * 12
    text = "\n\n".join([chunk] * 25)  # about 11,000 characters once escaped
    result = await sender(services, slack_api, renderer).send(MENTOR, said(text))
    assert result.status is SendStatus.SENT  # the stand-in checks every block's limits
    (posted,) = slack_api.messages(MENTOR)
    parts = [block["text"]["text"] for block in posted["blocks"]]
    assert len(parts) >= 4
    assert all(len(part) <= 3000 for part in parts)
    for part in parts:
        # never cut inside an entity or a word
        assert re.search(r"&[#A-Za-z0-9]*$", part) is None
        assert re.search(r"^[#A-Za-z0-9]*;", part) is None
        assert part.split()[-1] in (
            "lien&gt;",
            "&amp;",
            "Jerry",
            "Tom",
            "&lt;https://x.example|lien&gt;",
        )
    shown = html.unescape(" ".join(parts).replace("\u200b", ""))
    assert " ".join(shown.split()) == " ".join(f"💬 *Inès* : {text}".split())
