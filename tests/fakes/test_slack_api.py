"""Self-tests of the Slack stand-ins, driven by the real slack-sdk client and a real Bolt app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import date, time
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View
from slack_sdk.signature import Clock, SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_requests import (
    Checked,
    Radio,
    Select,
    SignedRequests,
    UserPick,
    sign,
    tamper,
)

TOKEN = "xoxb-test"
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
NOW = 1_750_000_000


class FixedClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


@pytest.fixture
async def api() -> AsyncIterator[FakeSlackApi]:
    async with FakeSlackApi(bot_token=TOKEN) as fake:
        yield fake


def client_for(api: FakeSlackApi, token: str | None = TOKEN) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=api.base_url)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str = "OK", value: str = "v", action_id: str = "a") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "value": value,
        "action_id": action_id,
    }


def modal(**changes: Any) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": "checkin",
        "title": {"type": "plain_text", "text": "Point hebdo"},
        "submit": {"type": "plain_text", "text": "Envoyer"},
        "blocks": [section("Comment ça va ?")],
    }
    view.update(changes)
    return view


# --------------------------------------------------------------------------- Web API


async def test_base_url_ends_with_slash_and_auth_test(api: FakeSlackApi) -> None:
    assert api.base_url == f"http://127.0.0.1:{api.port}/api/"
    resp = await client_for(api).auth_test()
    assert resp["ok"] is True
    assert resp["user_id"] == "UBOT"
    assert resp["bot_id"] == "BBOT"
    assert resp["team_id"] == "T1"
    assert resp["url"] == "https://mentorbot-test.slack.com/"
    assert resp.headers["x-oauth-scopes"].startswith("chat:write")
    assert api.requests[0].method == "auth.test"
    assert api.requests[0].http_verb == "POST"


async def test_post_message_with_sdk_blocks_round_trip(api: FakeSlackApi) -> None:
    client = client_for(api)
    blocks = [
        HeaderBlock(text="Point hebdo"),
        SectionBlock(
            text=MarkdownTextObject(text="*Inès* a répondu : ça va"),
            accessory=ButtonElement(text="Voir", action_id="open_ci", value="ci:42"),
        ),
    ]
    first = await client.chat_postMessage(channel="U1", text="Inès a répondu", blocks=blocks)
    second = await client.chat_postMessage(channel="C1", text="deuxième")

    assert first["channel"] == "DU1"
    assert first["ts"] == "1700000000.000100"
    assert second["ts"] == "1700000000.000200"
    assert first["message"]["bot_id"] == "BBOT"
    assert first["message"]["blocks"][0]["text"]["text"] == "Point hebdo"

    sent = api.messages("U1")
    assert len(sent) == 1
    assert sent[0]["text"] == "Inès a répondu"
    assert sent[0]["blocks"][1]["accessory"] == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Voir", "emoji": True},
        "action_id": "open_ci",
        "value": "ci:42",
    }
    assert api.messages("DU1") == sent
    assert [m["text"] for m in api.messages()] == ["Inès a répondu", "deuxième"]
    assert len(api.calls("chat.postMessage")) == 2


async def test_update_ephemeral_permalink(api: FakeSlackApi) -> None:
    client = client_for(api)
    posted = await client.chat_postMessage(channel="C1", text="v1")
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="v2")
    assert updated["ts"] == posted["ts"]
    assert updated["text"] == "v2"
    eph = await client.chat_postEphemeral(channel="C1", user="U1", text="rien que pour toi")
    assert eph["message_ts"] == "1700000000.000300"
    link = await client.chat_getPermalink(channel="C1", message_ts=posted["ts"])
    assert link["permalink"] == "https://mentorbot-test.slack.com/archives/C1/p1700000000000100"
    assert [m["text"] for m in api.messages("C1")] == ["v1", "rien que pour toi"]
    assert api.requests[-1].http_verb == "GET"

    with pytest.raises(SlackApiError) as err:
        await client.chat_update(channel="C1", ts="1.000001", text="x")
    assert err.value.response["error"] == "message_not_found"


async def test_conversations_open_is_stable_per_user(api: FakeSlackApi) -> None:
    client = client_for(api)
    one = await client.conversations_open(users="U1")
    again = await client.conversations_open(users=["U1"])
    other = await client.conversations_open(users="U2")
    assert one["channel"]["id"] == again["channel"]["id"] == "DU1"
    assert other["channel"]["id"] == "DU2"
    assert api.calls("conversations.open")[0] == {"users": "U1"}


async def test_views_publish_then_published_home(api: FakeSlackApi) -> None:
    client = client_for(api)
    home = View(type="home", blocks=[SectionBlock(text="Tes binômes")])
    first = await client.views_publish(user_id="U1", view=home)
    assert first["view"]["id"].startswith("V")
    assert first["view"]["type"] == "home"
    second = await client.views_publish(
        user_id="U1", view={"type": "home", "blocks": [section("v2")]}, hash=first["view"]["hash"]
    )
    assert second["view"]["id"] == first["view"]["id"]
    assert second["view"]["hash"] != first["view"]["hash"]

    with pytest.raises(SlackApiError) as err:
        await client.views_publish(
            user_id="U1", view={"type": "home", "blocks": []}, hash=first["view"]["hash"]
        )
    assert err.value.response["error"] == "hash_conflict"

    published = api.published_home("U1")
    assert published is not None
    assert published["blocks"][0]["text"]["text"] == "v2"
    assert api.published_home("U2") is None


async def test_views_open_trigger_is_single_use(api: FakeSlackApi) -> None:
    client = client_for(api)
    opened = await client.views_open(trigger_id="111.222.abc", view=modal())
    assert opened["view"]["callback_id"] == "checkin"
    assert opened["view"]["root_view_id"] == opened["view"]["id"]

    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id="111.222.abc", view=modal())
    assert err.value.response["error"] == "expired_trigger_id"

    pushed = await client.views_push(trigger_id="333.444.def", view=modal(callback_id="step2"))
    updated = await client.views_update(
        view_id=pushed["view"]["id"], view=modal(callback_id="step2b"), hash=pushed["view"]["hash"]
    )
    assert updated["view"]["callback_id"] == "step2b"
    with pytest.raises(SlackApiError) as err:
        await client.views_update(view_id="V404", view=modal())
    assert err.value.response["error"] == "not_found"

    api.expire_trigger_ids()
    with pytest.raises(SlackApiError) as err:
        await client.views_open(trigger_id="never.used.before", view=modal())
    assert err.value.response["error"] == "expired_trigger_id"

    assert [v["callback_id"] for v in api.opened_views()] == ["checkin"]


async def test_users_directory(api: FakeSlackApi) -> None:
    client = client_for(api)
    api.add_user("U1", email="ines@example.org", real_name="Inès Martin")
    api.set_usergroup("S1", ["U1", "U2"])

    found = await client.users_lookupByEmail(email="Ines@Example.org")
    assert found["user"]["id"] == "U1"
    assert found["user"]["profile"]["email"] == "ines@example.org"
    assert found["user"]["tz"] == "Europe/Paris"
    assert found["user"]["tz_offset"] in (3600, 7200)

    info = await client.users_info(user="U1", include_locale=True)
    assert info["user"]["real_name"] == "Inès Martin"
    assert info["user"]["locale"] == "fr-FR"
    assert api.requests[-1].http_verb == "GET"

    with pytest.raises(SlackApiError) as err:
        await client.users_lookupByEmail(email="nobody@example.org")
    assert err.value.response["error"] == "users_not_found"
    with pytest.raises(SlackApiError) as err:
        await client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"

    group = await client.usergroups_users_list(usergroup="S1")
    assert group["users"] == ["U1", "U2"]


async def test_bad_token_missing_token_and_unknown_method(api: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as err:
        await client_for(api, token="xoxb-wrong").chat_postMessage(channel="C1", text="x")
    assert err.value.response["error"] == "invalid_auth"
    assert err.value.response.status_code == 200

    with pytest.raises(SlackApiError) as err:
        await client_for(api, token=None).auth_test()
    assert err.value.response["error"] == "not_authed"

    with pytest.raises(SlackApiError) as err:
        await client_for(api).api_call("bogus.method")
    assert err.value.response["error"] == "unknown_method"
    assert api.messages() == []
    assert [r.method for r in api.requests] == ["chat.postMessage", "auth.test", "bogus.method"]


@pytest.mark.parametrize(
    ("kwargs", "error", "pointer"),
    [
        ({"text": "x", "blocks": [section("b")] * 51}, "invalid_blocks", "/blocks"),
        ({"text": "x", "blocks": [section("é" * 3001)]}, "invalid_blocks", "/blocks/0/text/text"),
        (
            {
                "text": "x",
                "blocks": [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            },
            "invalid_blocks",
            "/blocks/0/fields",
        ),
        (
            {"text": "x", "blocks": [{"type": "actions", "elements": [button(text="b" * 76)]}]},
            "invalid_blocks",
            "/blocks/0/elements/0/text/text",
        ),
        (
            {"text": "x", "blocks": [{"type": "actions", "elements": [button(value="v" * 2001)]}]},
            "invalid_blocks",
            "/blocks/0/elements/0/value",
        ),
        (
            {
                "text": "x",
                "blocks": [{**section("s"), "accessory": button(action_id="a" * 256)}],
            },
            "invalid_blocks",
            "/blocks/0/accessory/action_id",
        ),
        ({}, "no_text", None),
        ({"text": "x" * 40_001}, "msg_too_long", None),
    ],
)
async def test_message_limits(
    api: FakeSlackApi, kwargs: dict[str, Any], error: str, pointer: str | None
) -> None:
    with pytest.raises(SlackApiError) as err:
        await client_for(api).api_call("chat.postMessage", json={"channel": "C1", **kwargs})
    assert err.value.response["error"] == error
    if pointer is not None:
        assert any(e.endswith(f"[json-pointer:{pointer}]") for e in err.value.response["errors"])
    assert api.messages() == []


async def test_exactly_at_the_limits_is_accepted(api: FakeSlackApi) -> None:
    client = client_for(api)
    await client.chat_postMessage(channel="C1", text="x", blocks=[section("é" * 3000)] * 50)
    await client.views_open(
        trigger_id="t1",
        view=modal(title={"type": "plain_text", "text": "t" * 24}, private_metadata="m" * 3000),
    )
    await client.views_publish(user_id="U1", view={"type": "home", "blocks": [section("b")] * 100})
    assert len(api.messages()[0]["blocks"]) == 50


@pytest.mark.parametrize(
    ("view", "pointer"),
    [
        (modal(title={"type": "plain_text", "text": "t" * 25}), "/view/title/text"),
        (modal(submit={"type": "plain_text", "text": "s" * 25}), "/view/submit/text"),
        (modal(private_metadata="m" * 3001), "/view/private_metadata"),
        (modal(blocks=[section("b")] * 101), "/view/blocks"),
        (
            modal(
                submit=None,
                blocks=[
                    InputBlock(
                        label="Objectif", element=PlainTextInputElement(action_id="g")
                    ).to_dict()
                ],
            ),
            "/view/submit",
        ),
    ],
)
async def test_view_limits(api: FakeSlackApi, view: dict[str, Any], pointer: str) -> None:
    with pytest.raises(SlackApiError) as err:
        await client_for(api).views_open(trigger_id="t1", view=view)
    assert err.value.response["error"] == "invalid_arguments"
    assert any(e.endswith(f"[json-pointer:{pointer}]") for e in err.value.response["errors"])
    assert api.opened_views() == []


async def test_form_encoded_blocks_are_decoded(api: FakeSlackApi) -> None:
    blocks = [ActionsBlock(elements=[ButtonElement(text="Oui", action_id="yes", value="1")])]
    resp = await client_for(api).api_call(
        "chat.postMessage",
        data={"channel": "C1", "text": "form", "blocks": json.dumps([b.to_dict() for b in blocks])},
    )
    assert resp["ok"] is True
    assert api.messages()[0]["blocks"][0]["elements"][0]["action_id"] == "yes"


async def test_fail_next_429_then_retry_handler_succeeds(api: FakeSlackApi) -> None:
    api.fail_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as err:
        await client_for(api).chat_postMessage(channel="C1", text="a")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "7"
    assert err.value.response["error"] == "ratelimited"

    api.fail_next("chat.postMessage", retry_after=0)
    client = client_for(api)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    resp = await client.chat_postMessage(channel="C1", text="b")
    assert resp["ok"] is True
    assert [r.status for r in api.requests] == [429, 429, 200]
    assert [m["text"] for m in api.messages()] == ["b"]


async def test_fail_next_other_errors_and_times(api: FakeSlackApi) -> None:
    client = client_for(api)
    api.fail_next("users.info", "fatal_error", status=500)
    api.fail_next("chat.postMessage", "channel_not_found", times=2)
    with pytest.raises(SlackApiError) as err:
        await client.users_info(user="U1")
    assert err.value.response.status_code == 500
    assert err.value.response["error"] == "fatal_error"
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            await client.chat_postMessage(channel="C1", text="x")
        assert err.value.response["error"] == "channel_not_found"
    assert (await client.chat_postMessage(channel="C1", text="x"))["ok"] is True


async def test_enforce_limits_per_channel_with_injected_clock() -> None:
    now = [100.0]
    async with FakeSlackApi(
        bot_token=TOKEN,
        enforce_limits=True,
        per_channel_per_second=1.0,
        burst=3,
        clock=lambda: now[0],
    ) as api:
        client = client_for(api)
        for i in range(3):
            await client.chat_postMessage(channel="C1", text=f"m{i}")
        with pytest.raises(SlackApiError) as err:
            await client.chat_postMessage(channel="C1", text="too fast")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "1"
        assert api.rate_limited == 1

        await client.chat_postMessage(channel="C2", text="other channel")
        now[0] += 1.0
        await client.chat_postMessage(channel="C1", text="after a second")
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel="C1", text="too fast again")
        assert api.rate_limited == 2
        assert [m["text"] for m in api.messages("C1")] == ["m0", "m1", "m2", "after a second"]


async def test_response_url_lands_in_the_fake(api: FakeSlackApi) -> None:
    slack = SignedRequests(SECRET, response_url_base=api.hooks_url)
    body, _ = slack.slash_command("U1")
    response_url = parse_qs(body)["response_url"][0]
    assert response_url.startswith(api.hooks_url)
    async with (
        aiohttp.ClientSession() as http,
        http.post(response_url, json={"text": "ok", "replace_original": True}) as resp,
    ):
        assert resp.status == 200
    assert api.responses() == [{"text": "ok", "replace_original": True}]


# --------------------------------------------------------------------------- signing


def test_sign_is_what_slack_sdk_verifies() -> None:
    body = '{"type":"url_verification","challenge":"abc"}'
    headers = sign(body, SECRET, NOW)
    assert headers["X-Slack-Request-Timestamp"] == str(NOW)
    assert headers["X-Slack-Signature"].startswith("v0=")
    assert len(headers["X-Slack-Signature"]) == 3 + 64

    verifier = SignatureVerifier(SECRET, clock=FixedClock(NOW + 10))
    assert verifier.is_valid_request(body, headers) is True
    assert (
        verifier.generate_signature(timestamp=str(NOW), body=body) == headers["X-Slack-Signature"]
    )
    assert (
        SignatureVerifier("another-secret", clock=FixedClock(NOW)).is_valid_request(body, headers)
        is False
    )
    assert verifier.is_valid_request(body + " ", headers) is False
    assert verifier.is_valid_request(body, tamper(headers)) is False
    assert (
        SignatureVerifier(SECRET, clock=FixedClock(NOW + 6 * 60)).is_valid_request(body, headers)
        is False
    )


def test_signed_requests_stale_and_fresh() -> None:
    slack = SignedRequests(SECRET, clock=lambda: float(NOW))
    verifier = SignatureVerifier(SECRET, clock=FixedClock(NOW))
    body, headers = slack.url_verification("abc")
    assert verifier.is_valid_request(body, headers) is True
    stale_body, stale_headers = slack.stale().url_verification("abc")
    assert stale_headers["X-Slack-Request-Timestamp"] == str(NOW - 360)
    assert verifier.is_valid_request(stale_body, stale_headers) is False
    assert verifier.is_valid_request(*slack.aged(299).url_verification("abc")) is True


def test_event_envelope_and_retry_headers() -> None:
    slack = SignedRequests(SECRET, clock=lambda: float(NOW))
    body, headers = slack.event(slack.app_home_opened("U1"), event_id="Ev1", retry_num=2)
    envelope = json.loads(body)
    assert envelope["type"] == "event_callback"
    assert envelope["event_id"] == "Ev1"
    assert envelope["event_time"] == NOW
    assert envelope["team_id"] == "T1"
    assert envelope["api_app_id"] == "A1"
    assert envelope["event"]["type"] == "app_home_opened"
    assert envelope["event"]["channel"] == "DU1"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Slack-Retry-Num"] == "2"
    assert headers["X-Slack-Retry-Reason"] == "http_timeout"

    _, first_try = slack.event(slack.message_im("U1", "salut"))
    assert "X-Slack-Retry-Num" not in first_try
    im = slack.message_im("U1", "salut")
    assert (im["channel"], im["channel_type"], im["text"]) == ("DU1", "im", "salut")


def test_block_actions_and_view_submission_payloads() -> None:
    slack = SignedRequests(SECRET, clock=lambda: float(NOW))
    body, headers = slack.block_actions(
        "U1", "checkin_ok", "ci:42", channel_id="DU1", message_ts="1700000000.000100"
    )
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    payload = json.loads(parse_qs(body)["payload"][0])
    assert payload["type"] == "block_actions"
    assert payload["user"]["id"] == "U1"
    assert payload["actions"][0]["action_id"] == "checkin_ok"
    assert payload["actions"][0]["value"] == "ci:42"
    assert payload["container"]["message_ts"] == "1700000000.000100"
    assert payload["channel"]["id"] == "DU1"
    assert payload["trigger_id"]

    body, _ = slack.view_submission(
        "U1",
        "checkin",
        {
            "goal": "Trouver un stage",
            "empty": None,
            "mood": Select("good", "Bien"),
            "when": date(2025, 3, 1),
            "at": time(9, 30),
            "kind": Radio("visio"),
            "mentor": UserPick("U9"),
            "topics": {"topics_input": Checked("cv", "entretien")},
            "plain_list": ["a"],
        },
        private_metadata='{"pair": 7}',
    )
    view = json.loads(parse_qs(body)["payload"][0])["view"]
    values = view["state"]["values"]
    assert view["private_metadata"] == '{"pair": 7}'
    assert view["callback_id"] == "checkin"
    assert values["goal"]["goal"] == {"type": "plain_text_input", "value": "Trouver un stage"}
    assert values["empty"]["empty"]["value"] is None
    assert values["mood"]["mood"]["selected_option"]["value"] == "good"
    assert values["mood"]["mood"]["selected_option"]["text"]["text"] == "Bien"
    assert values["when"]["when"] == {"type": "datepicker", "selected_date": "2025-03-01"}
    assert values["at"]["at"] == {"type": "timepicker", "selected_time": "09:30"}
    assert values["kind"]["kind"]["type"] == "radio_buttons"
    assert values["mentor"]["mentor"] == {"type": "users_select", "selected_user": "U9"}
    assert [o["value"] for o in values["topics"]["topics_input"]["selected_options"]] == [
        "cv",
        "entretien",
    ]
    assert values["plain_list"]["plain_list"]["type"] == "checkboxes"


# --------------------------------------------------------------------------- Bolt over HTTP


async def test_bolt_app_over_http(api: FakeSlackApi) -> None:
    app = AsyncApp(client=client_for(api), signing_secret=SECRET)
    done = asyncio.Event()

    @app.command("/mentorbot")
    async def on_command(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack(f"Bonjour {command['user_id']}")
        await client.chat_postMessage(channel=command["user_id"], text=f"reçu : {command['text']}")
        await respond("c'est noté")
        done.set()

    runner = web.AppRunner(app.web_app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    slack = SignedRequests(SECRET, response_url_base=api.hooks_url)
    try:
        async with aiohttp.ClientSession() as http:
            body, headers = slack.url_verification("le-defi")
            async with http.post(url, data=body.encode(), headers=headers) as resp:
                assert resp.status == 200
                assert await resp.json() == {"challenge": "le-defi"}

            body, headers = slack.slash_command("U1", text="aide")
            async with http.post(url, data=body.encode(), headers=headers) as resp:
                assert resp.status == 200
                # ack("...") answers text/plain, not JSON
                assert resp.content_type == "text/plain"
                assert await resp.text() == "Bonjour U1"
            await asyncio.wait_for(done.wait(), timeout=5)

            body, headers = slack.slash_command("U1", text="pirate")
            async with http.post(url, data=body.encode(), headers=tamper(headers)) as resp:
                assert resp.status == 401
            body, headers = slack.stale().slash_command("U1", text="vieux")
            async with http.post(url, data=body.encode(), headers=headers) as resp:
                assert resp.status == 401
    finally:
        await runner.cleanup()

    assert len(api.calls("auth.test")) == 1
    assert [m["text"] for m in api.messages("U1")] == ["reçu : aide"]
    assert api.responses()[0]["text"] == "c'est noté"
