"""Requests signed exactly like Slack's, and Slack payload factories, for tests.

Every builder of :class:`SignedRequests` returns ``(body, headers)``: the raw body (a ``str``,
to be sent byte for byte: Bolt verifies the signature over the raw body) and the headers
Slack sends (``Content-Type``, ``X-Slack-Request-Timestamp``, ``X-Slack-Signature`` and, for
event retries, ``X-Slack-Retry-Num`` / ``X-Slack-Retry-Reason``)::

    slack = SignedRequests("signing-secret", response_url_base=api.hooks_url)
    body, headers = slack.slash_command("U1", text="aide")
    resp = await http.post(url, data=body, headers=headers)

    body, headers = slack.event(slack.app_home_opened("U1"), retry_num=1)
    body, headers = slack.stale().url_verification("abc")          # signed 6 minutes ago
    headers = tamper(headers)                                       # wrong signature

Forms (``block_actions``, ``view_submission``, slash commands) are
``application/x-www-form-urlencoded`` like Slack's (interactions as ``payload=<json>``);
events and ``url_verification`` are ``application/json``.

``view_submission`` values: ``values`` maps a ``block_id`` either to a value (then the
``action_id`` is the ``block_id``) or to a dict ``{action_id: value}``. A value is:

* ``str`` or ``None`` -> ``plain_text_input`` (``{"type": "plain_text_input", "value": ...}``);
* :class:`Select` -> ``static_select`` with ``selected_option``;
* :class:`Radio` -> ``radio_buttons`` with ``selected_option``;
* :class:`Checked` or a ``list`` of ``str`` -> ``checkboxes`` with ``selected_options``;
* :class:`UserPick` -> ``users_select`` with ``selected_user``;
* ``datetime.date`` -> ``datepicker`` with ``selected_date`` (``YYYY-MM-DD``);
* ``datetime.time`` -> ``timepicker`` with ``selected_time`` (``HH:MM``);
* a ``dict`` with a ``"type"`` key -> used as is (any other element Slack supports).

For example ``{"goal": "Trouver un stage", "when": date(2025, 3, 1),
"topics": {"topics_input": Checked("cv", "entretien")}}``.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import Any
from urllib.parse import urlencode

JsonDict = dict[str, Any]

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
#: Slack (and slack-sdk's SignatureVerifier) refuse timestamps more than 5 minutes away.
MAX_AGE_SECONDS = 5 * 60
#: How old :meth:`SignedRequests.stale` signs: 6 minutes, past the limit.
STALE_SECONDS = 6 * 60


def sign(body: str, secret: str, timestamp: int) -> dict[str, str]:
    """The two headers Slack adds: ``v0=`` + hex HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
    }


def tamper(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of ``headers`` whose ``X-Slack-Signature`` no longer matches the body."""
    out = dict(headers)
    for key, value in out.items():
        if key.lower() == "x-slack-signature":
            last = value[-1]
            out[key] = value[:-1] + ("0" if last != "0" else "1")
            return out
    raise KeyError("no X-Slack-Signature header to tamper with")


@dataclass(frozen=True, slots=True)
class Select:
    """A ``static_select`` choice in :meth:`SignedRequests.view_submission`."""

    value: str
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Radio:
    """A ``radio_buttons`` choice in :meth:`SignedRequests.view_submission`."""

    value: str
    text: str | None = None


@dataclass(frozen=True, slots=True)
class UserPick:
    """A ``users_select`` choice in :meth:`SignedRequests.view_submission`."""

    user_id: str


class Checked:
    """``checkboxes`` choices in :meth:`SignedRequests.view_submission`."""

    def __init__(self, *values: str, texts: Mapping[str, str] | None = None) -> None:
        self.values = values
        self.texts = dict(texts or {})


def _option(value: str, text: str | None) -> JsonDict:
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def element_state(value: Any) -> JsonDict:
    """The ``state.values[block][action]`` entry Slack sends for a simple ``value``."""
    if value is None or isinstance(value, str):
        return {"type": "plain_text_input", "value": value}
    if isinstance(value, Select):
        return {"type": "static_select", "selected_option": _option(value.value, value.text)}
    if isinstance(value, Radio):
        return {"type": "radio_buttons", "selected_option": _option(value.value, value.text)}
    if isinstance(value, UserPick):
        return {"type": "users_select", "selected_user": value.user_id}
    if isinstance(value, Checked):
        return {
            "type": "checkboxes",
            "selected_options": [_option(v, value.texts.get(v)) for v in value.values],
        }
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return {"type": "checkboxes", "selected_options": [_option(v, None) for v in value]}
    if isinstance(value, datetime):
        raise TypeError("use a date (datepicker) or a time (timepicker), not a datetime")
    if isinstance(value, date):
        return {"type": "datepicker", "selected_date": value.isoformat()}
    if isinstance(value, dtime):
        return {"type": "timepicker", "selected_time": value.strftime("%H:%M")}
    if isinstance(value, dict) and "type" in value:
        return dict(value)
    raise TypeError(f"unsupported view_submission value: {value!r}")


def state_values(values: Mapping[str, Any]) -> dict[str, dict[str, JsonDict]]:
    """Build Slack's nested ``view.state.values`` from the simple shape described above."""
    out: dict[str, dict[str, JsonDict]] = {}
    for block_id, value in values.items():
        if isinstance(value, dict) and "type" not in value:
            out[block_id] = {action_id: element_state(v) for action_id, v in value.items()}
        else:
            out[block_id] = {block_id: element_state(value)}
    return out


class SignedRequests:
    """Factories for requests Slack sends to the app, signed with ``secret`` at ``clock()``."""

    def __init__(
        self,
        secret: str,
        clock: Callable[[], float] = time.time,
        *,
        team_id: str = "T1",
        team_domain: str = "mentorbot-test",
        api_app_id: str = "A1",
        bot_user_id: str = "UBOT",
        verification_token: str = "legacy-verification-token",  # noqa: S107 - test value
        response_url_base: str = "https://hooks.slack.com/",
    ) -> None:
        self.secret = secret
        self.clock = clock
        self.team_id = team_id
        self.team_domain = team_domain
        self.api_app_id = api_app_id
        self.bot_user_id = bot_user_id
        self.verification_token = verification_token
        self.response_url_base = response_url_base
        self._counter: Iterator[int] = itertools.count(1)

    # ------------------------------------------------------------------ signing

    def now(self) -> int:
        return int(self.clock())

    def signed(
        self, body: str, content_type: str, extra_headers: Mapping[str, str] | None = None
    ) -> tuple[str, dict[str, str]]:
        """Sign any raw ``body`` at ``clock()``."""
        headers = {"Content-Type": content_type, **sign(body, self.secret, self.now())}
        headers.update(extra_headers or {})
        return body, headers

    def aged(self, seconds: float) -> SignedRequests:
        """The same factory, signing ``seconds`` in the past (ids keep increasing)."""
        base = self.clock
        other = SignedRequests(
            self.secret,
            lambda: base() - seconds,
            team_id=self.team_id,
            team_domain=self.team_domain,
            api_app_id=self.api_app_id,
            bot_user_id=self.bot_user_id,
            verification_token=self.verification_token,
            response_url_base=self.response_url_base,
        )
        other._counter = self._counter
        return other

    def stale(self) -> SignedRequests:
        """The same factory, signing 6 minutes ago: Bolt answers 401."""
        return self.aged(STALE_SECONDS)

    # ------------------------------------------------------------------ ids

    def _n(self) -> int:
        return next(self._counter)

    def new_ts(self) -> str:
        """A message ts ``"<seconds>.<6 digits>"``, increasing."""
        return f"{self.now()}.{self._n():06d}"

    def new_trigger_id(self) -> str:
        n = self._n()
        return f"{self.now()}.{n:010d}.{hashlib.sha256(str(n).encode()).hexdigest()[:32]}"

    def new_event_id(self) -> str:
        return f"Ev{self._n():010d}"

    def response_url(self, kind: str = "commands") -> str:
        return f"{self.response_url_base}{kind}/{self.team_id}/{self._n()}/resp"

    def _user(self, user_id: str) -> JsonDict:
        return {
            "id": user_id,
            "username": user_id.lower(),
            "name": user_id.lower(),
            "team_id": self.team_id,
        }

    def _team(self) -> JsonDict:
        return {"id": self.team_id, "domain": self.team_domain}

    def _form_payload(self, payload: JsonDict) -> tuple[str, dict[str, str]]:
        return self.signed(urlencode({"payload": json.dumps(payload)}), FORM)

    # ------------------------------------------------------------------ Events API

    def event(
        self,
        event: JsonDict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        team_id: str | None = None,
    ) -> tuple[str, dict[str, str]]:
        """An ``event_callback`` envelope around ``event`` (JSON)."""
        team = team_id or self.team_id
        envelope: JsonDict = {
            "token": self.verification_token,
            "team_id": team,
            "context_team_id": team,
            "context_enterprise_id": None,
            "api_app_id": self.api_app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or self.new_event_id(),
            "event_time": self.now(),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team,
                    "user_id": self.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        extra: dict[str, str] = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.signed(json.dumps(envelope), JSON, extra)

    def url_verification(self, challenge: str) -> tuple[str, dict[str, str]]:
        body = {
            "token": self.verification_token,
            "challenge": challenge,
            "type": "url_verification",
        }
        return self.signed(json.dumps(body), JSON)

    def app_home_opened(
        self, user_id: str, *, tab: str = "home", view: JsonDict | None = None
    ) -> JsonDict:
        """An ``app_home_opened`` event (pass it to :meth:`event`)."""
        event: JsonDict = {
            "type": "app_home_opened",
            "user": user_id,
            "channel": f"D{user_id}",
            "tab": tab,
            "event_ts": self.new_ts(),
        }
        if view is not None:
            event["view"] = view
        return event

    def message_im(
        self,
        user_id: str,
        text: str,
        channel: str | None = None,
        *,
        thread_ts: str | None = None,
        files: list[JsonDict] | None = None,
    ) -> JsonDict:
        """A ``message`` event in the app's DM (``channel_type: im``), in a thread when
        ``thread_ts`` is given, with ``files`` (``FakeSlackApi.add_user_file`` entries:
        subtype ``file_share``); pass it to :meth:`event`."""
        return self._message(
            user_id, text, channel or f"D{user_id}", "im", thread_ts=thread_ts, files=files
        )

    def message_channel(
        self,
        user_id: str,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        files: list[JsonDict] | None = None,
        channel_type: str = "channel",
    ) -> JsonDict:
        """A ``message`` event in a channel the bot is in (``channel_type`` ``channel``, or
        ``group`` for a private one): top level, or a reply in the thread ``thread_ts``."""
        return self._message(user_id, text, channel, channel_type, thread_ts=thread_ts, files=files)

    def _message(
        self,
        user_id: str,
        text: str,
        channel: str,
        channel_type: str,
        *,
        thread_ts: str | None,
        files: list[JsonDict] | None,
    ) -> JsonDict:
        ts = self.new_ts()
        event: JsonDict = {
            "type": "message",
            "client_msg_id": f"00000000-0000-4000-8000-{self._n():012d}",
            "text": text,
            "user": user_id,
            "ts": ts,
            "team": self.team_id,
            "channel": channel,
            "event_ts": ts,
            "channel_type": channel_type,
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
            event["parent_user_id"] = self.bot_user_id
        if files:
            event["subtype"] = "file_share"
            event["files"] = files
            event["upload"] = False
            event["display_as_bot"] = False
        return event

    def message_changed(self, user_id: str, text: str, channel: str | None = None) -> JsonDict:
        """A person edited a message in the app's DM (subtype ``message_changed``)."""
        ts = self.new_ts()
        return {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "channel": channel or f"D{user_id}",
            "channel_type": "im",
            "ts": ts,
            "event_ts": ts,
            "message": {"type": "message", "user": user_id, "text": text, "ts": self.new_ts()},
            "previous_message": {"type": "message", "user": user_id, "text": "…"},
        }

    def bot_message(self, text: str, channel: str, *, thread_ts: str | None = None) -> JsonDict:
        """The bot's own post, as Slack echoes it back (``bot_id``)."""
        ts = self.new_ts()
        event: JsonDict = {
            "type": "message",
            "subtype": "bot_message",
            "text": text,
            "bot_id": "BBOT",
            "user": self.bot_user_id,
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "channel_type": "im" if channel.startswith("D") else "channel",
        }
        if thread_ts is not None:
            event["thread_ts"] = thread_ts
        return event

    def channel_join(self, user_id: str, channel: str) -> JsonDict:
        """Someone joined a channel (subtype ``channel_join``)."""
        ts = self.new_ts()
        return {
            "type": "message",
            "subtype": "channel_join",
            "user": user_id,
            "text": f"<@{user_id}> has joined the channel",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "channel_type": "channel",
        }

    # ------------------------------------------------------------------ interactivity

    def block_actions(
        self,
        user_id: str,
        action_id: str,
        value: str,
        *,
        block_id: str = "b",
        trigger_id: str | None = None,
        channel_id: str | None = None,
        message_ts: str | None = None,
        view: JsonDict | None = None,
        text: str = "button",
    ) -> tuple[str, dict[str, str]]:
        """A button click (form ``payload=<json>``), from a message or from a view."""
        payload: JsonDict = {
            "type": "block_actions",
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": trigger_id or self.new_trigger_id(),
            "team": self._team(),
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": block_id,
                    "text": {"type": "plain_text", "text": text, "emoji": True},
                    "value": value,
                    "type": "button",
                    "action_ts": f"{self.clock():.6f}",
                }
            ],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        elif message_ts is not None and channel_id is not None:
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
        if channel_id is not None:
            payload["channel"] = {"id": channel_id, "name": _channel_name(channel_id)}
            payload["response_url"] = self.response_url("actions")
            payload["state"] = {"values": {}}
        if message_ts is not None:
            payload["message"] = {
                "type": "message",
                "subtype": "bot_message",
                "user": self.bot_user_id,
                "ts": message_ts,
                "text": "",
                "blocks": [],
            }
        return self._form_payload(payload)

    def view_submission(
        self,
        user_id: str,
        callback_id: str,
        values: Mapping[str, Any],
        *,
        private_metadata: str = "",
        view_id: str = "V1",
        hash: str = "h",
        title: str = "Mentorbot",
    ) -> tuple[str, dict[str, str]]:
        """A modal submission; ``values`` in the simple shape of the module docstring."""
        payload: JsonDict = {
            "type": "view_submission",
            "team": self._team(),
            "user": self._user(user_id),
            "api_app_id": self.api_app_id,
            "token": self.verification_token,
            "trigger_id": self.new_trigger_id(),
            "view": {
                "id": view_id,
                "team_id": self.team_id,
                "type": "modal",
                "blocks": [],
                "private_metadata": private_metadata,
                "callback_id": callback_id,
                "state": {"values": state_values(values)},
                "hash": hash,
                "title": {"type": "plain_text", "text": title, "emoji": True},
                "clear_on_close": False,
                "notify_on_close": False,
                "close": None,
                "submit": {"type": "plain_text", "text": "Envoyer", "emoji": True},
                "previous_view_id": None,
                "root_view_id": view_id,
                "app_id": self.api_app_id,
                "external_id": "",
                "app_installed_team_id": self.team_id,
                "bot_id": "BBOT",
            },
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self._form_payload(payload)

    def slash_command(
        self,
        user_id: str,
        command: str = "/mentorbot",
        text: str = "",
        *,
        channel_id: str = "D1",
        trigger_id: str | None = None,
    ) -> tuple[str, dict[str, str]]:
        """A slash command, form-encoded field by field like Slack."""
        fields = {
            "token": self.verification_token,
            "team_id": self.team_id,
            "team_domain": self.team_domain,
            "channel_id": channel_id,
            "channel_name": _channel_name(channel_id),
            "user_id": user_id,
            "user_name": user_id.lower(),
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": self.response_url("commands"),
            "trigger_id": trigger_id or self.new_trigger_id(),
        }
        return self.signed(urlencode(fields), FORM)


def _channel_name(channel_id: str) -> str:
    return "directmessage" if channel_id.startswith("D") else channel_id.lower()
