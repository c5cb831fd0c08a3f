"""A stand-in for the Slack Web API, for tests.

The real ``slack_sdk.web.async_client.AsyncWebClient`` (and therefore Bolt) talks to it over
HTTP on 127.0.0.1::

    async with FakeSlackApi(bot_token="xoxb-test") as api:
        client = AsyncWebClient(token="xoxb-test", base_url=api.base_url)
        await client.chat_postMessage(channel="U1", text="Bonjour")
        assert api.messages()[0]["text"] == "Bonjour"

What it does like Slack:

* every answer is JSON with ``ok``; errors are HTTP 200 with ``{"ok": false, "error": ...}``,
  except rate limits (HTTP 429 + ``Retry-After`` header, body ``error: ratelimited``);
* auth: ``Authorization: Bearer <bot token>`` (or a ``token`` parameter) must equal the
  configured token: missing -> ``not_authed``, wrong -> ``invalid_auth``;
* the request is read from the query string, a JSON body or a form body (slack-sdk uses all
  three depending on the method: ``chat.postMessage``/``views.*`` send JSON, ``auth.test`` and
  ``conversations.open`` send POST with a query string, ``users.*`` and ``chat.getPermalink``
  are GET); JSON-encoded form fields (``blocks``, ``view``, ...) are decoded;
* block limits: a message with blocks over the limits answers
  ``{"ok": false, "error": "invalid_blocks", "errors": [...], "response_metadata": ...}``;
  a view over the limits answers ``invalid_arguments`` (that is what Slack answers for
  ``views.*``) with the same ``errors`` list. Limits: 50 blocks per message, 100 per view,
  section text 3,000, 10 fields (2,000 each), header 150, button text 75 / value 2,000,
  action_id and block_id 255, 25 elements per actions block, 10 per context block,
  modal title/submit/close 24, callback_id 255, private_metadata 3,000, a modal with
  an input block needs ``submit``;
* ``chat.postMessage``/``chat.postEphemeral``/``chat.update`` with neither text nor blocks
  (nor attachments / markdown_text) -> ``no_text``; text over 40,000 characters ->
  ``msg_too_long``;
* posting to a user id (``U...``/``W...``) posts in the app's DM with that person; DM ids
  are ``"D" + user id`` everywhere (``conversations.open`` too);
* ``trigger_id`` is usable once (``views.open``/``views.push``): a second use, or any use
  after :meth:`FakeSlackApi.expire_trigger_ids`, answers ``expired_trigger_id``;
* ``views.update``/``views.publish`` honour ``hash`` (``hash_conflict``); unknown view ->
  ``not_found``;
* optional per-channel pacing of ``chat.postMessage`` (``enforce_limits=True``): a token
  bucket of ``burst`` messages refilled at ``per_channel_per_second``; beyond it, HTTP 429
  with ``Retry-After`` (whole seconds, at least 1) and :attr:`FakeSlackApi.rate_limited`
  counts the refusals.

Files: ``files.getUploadURLExternal`` returns an ``upload_url`` served by the fake itself
(``POST`` the bytes there, like Slack's ``files.slack.com/upload/v1/...``), and
``files.completeUploadExternal`` shares the uploaded files in ``channel_id`` (a conversation
id: a user id answers ``channel_not_found``, open the DM with ``conversations.open``
first), in ``thread_ts`` when given, with ``initial_comment``; a file id that was never
uploaded answers ``file_not_found``. :meth:`FakeSlackApi.uploads` lists the files shared
(name, title, bytes, channel, thread, comment). Files people post: :meth:`add_user_file`
stores one and returns its ``files[]`` entry for a message event; its
``url_private_download`` answers the bytes with ``Authorization: Bearer <bot token>`` and,
like Slack, redirects to an HTML sign-in page otherwise (or when the app lacks the
``files:read`` scope: set :attr:`FakeSlackApi.can_read_files` to False).

Recorded requests: :attr:`FakeSlackApi.requests` holds every request in order (including
refused ones) as :class:`Recorded`. :meth:`FakeSlackApi.calls` returns the parameters of all
the calls to one method; :meth:`FakeSlackApi.messages`, :meth:`FakeSlackApi.published_home`
and :meth:`FakeSlackApi.opened_views` only consider calls that Slack accepted (``ok: true``),
i.e. what a person would actually see.

``response_url``: :attr:`FakeSlackApi.hooks_url` is a base URL that accepts POSTs like
Slack's ``https://hooks.slack.com/...`` (Bolt's ``respond()``); give it to
``SignedRequests(response_url_base=api.hooks_url)`` so tests never reach the network;
:meth:`FakeSlackApi.responses` returns what was posted there.

Slow and lost answers: :meth:`FakeSlackApi.delay_next` holds the answer to the next calls of
a method (the call takes effect at once, as when Slack posted the message but the answer
came too late); :meth:`FakeSlackApi.drop_next` takes effect, then closes the connection
without answering. A stopped fake refuses connections.

Socket Mode: ``apps.connections.open`` needs the app-level token (``xapp-...``, a bot token
answers ``not_allowed_token_type``) and returns a single-use ``ws://127.0.0.1:PORT/link/?ticket=``
URL. The websocket there sends ``{"type": "hello", ...}`` on connect, like Slack; a test pushes
envelopes with :meth:`FakeSlackApi.socket_send` (build them with :func:`socket_envelope`)
and waits for the client's acknowledgement (``{"envelope_id": ..., "payload"?: ...}``) with
:meth:`FakeSlackApi.socket_ack`. :meth:`FakeSlackApi.stop` closes open sockets first::

    async with FakeSlackApi(app_token="xapp-1-test") as api:
        ...  # start the app in Socket Mode with base_url=api.base_url
        await api.socket_connected()
        sent = await api.socket_send(socket_envelope("slash_commands", {"command": ...}))
        ack = await api.socket_ack(sent)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from zoneinfo import ZoneInfo

from aiohttp import WSCloseCode, WSMsgType, web

JsonDict = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
MAX_BLOCK_ID = 255
MAX_ACTIONS_ELEMENTS = 25
MAX_CONTEXT_ELEMENTS = 10
MAX_MODAL_TEXT = 24
MAX_CALLBACK_ID = 255
MAX_PRIVATE_METADATA = 3000
MAX_MESSAGE_TEXT = 40000
MAX_OPTIONS = 100
MAX_CHOICE_OPTIONS = 10
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150

_JSON_FIELDS = frozenset(
    {"blocks", "attachments", "view", "metadata", "user_auth_blocks", "chunks"}
)
_FIRST_TS_MICROS = 1_700_000_000_000_100
_TS_STEP_MICROS = 100
#: The app-level token (Socket Mode) the fake accepts unless told otherwise.
DEFAULT_APP_TOKEN = "xapp-1-A1-1-test"
SOCKET_PATH = "/link/"
#: Envelope types that accept a response payload in the acknowledgement, like Slack's.
_ACCEPTS_RESPONSE_PAYLOAD = frozenset({"slash_commands"})


@dataclass(slots=True)
class Recorded:
    """One request received by the fake.

    ``params`` merges the query string and the body, with JSON-encoded form fields decoded.
    ``method`` is the Web API method (``"chat.postMessage"``) or ``"response_url"`` for a
    POST to :attr:`FakeSlackApi.hooks_url` (then ``path`` is the part after ``/hooks/``).
    """

    method: str
    params: JsonDict
    http_verb: str = "POST"
    status: int = 200
    response: JsonDict = field(default_factory=dict)
    path: str = ""


@dataclass(slots=True)
class SlackUser:
    """A person (or bot) in the fake workspace's directory."""

    id: str
    email: str | None = None
    real_name: str = ""
    tz: str = "Europe/Paris"
    is_bot: bool = False
    deleted: bool = False
    locale: str = "fr-FR"
    display_name: str = ""


@dataclass(slots=True)
class Upload:
    """A file shared with ``files.completeUploadExternal``."""

    file_id: str
    name: str
    title: str
    content: bytes
    channel: str
    thread_ts: str | None
    initial_comment: str | None
    ts: str


@dataclass(slots=True)
class _Pending:
    name: str
    length: int
    content: bytes | None = None


@dataclass(slots=True)
class _Failure:
    error: str
    retry_after: int | None
    status: int
    remaining: int


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class _Reply:
    body: JsonDict
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[JsonDict], _Reply]


def _error(error: str, **extra: Any) -> _Reply:
    return _Reply({"ok": False, "error": error, **extra})


def _limit_errors(error: str, errors: list[str]) -> _Reply:
    return _error(
        error,
        errors=errors,
        response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
    )


def _text_of(obj: Any) -> str | None:
    if isinstance(obj, Mapping):
        text = obj.get("text")
        return text if isinstance(text, str) else None
    return None


def _too_long(value: Any, limit: int, pointer: str, errors: list[str]) -> None:
    if isinstance(value, str) and len(value) > limit:
        errors.append(f"must be less than {limit + 1} characters [json-pointer:{pointer}]")


def _too_many(value: Any, limit: int, pointer: str, errors: list[str]) -> None:
    if isinstance(value, list) and len(value) > limit:
        errors.append(f"must be less than {limit + 1} items [json-pointer:{pointer}]")


def _check_element(element: Any, pointer: str, errors: list[str]) -> None:
    if not isinstance(element, Mapping):
        return
    _too_long(element.get("action_id"), MAX_ACTION_ID, f"{pointer}/action_id", errors)
    kind = element.get("type")
    if kind == "button":
        _too_long(_text_of(element.get("text")), MAX_BUTTON_TEXT, f"{pointer}/text/text", errors)
        _too_long(element.get("value"), MAX_BUTTON_VALUE, f"{pointer}/value", errors)
    options = element.get("options")
    if isinstance(options, list):
        limit = MAX_CHOICE_OPTIONS if kind in ("checkboxes", "radio_buttons") else MAX_OPTIONS
        _too_many(options, limit, f"{pointer}/options", errors)
        for j, option in enumerate(options):
            if isinstance(option, Mapping):
                _too_long(
                    _text_of(option.get("text")),
                    MAX_OPTION_TEXT,
                    f"{pointer}/options/{j}/text/text",
                    errors,
                )
                _too_long(
                    option.get("value"), MAX_OPTION_VALUE, f"{pointer}/options/{j}/value", errors
                )


def validate_blocks(blocks: Any, max_blocks: int, prefix: str = "") -> list[str]:
    """The errors Slack would report for ``blocks`` (empty when they are acceptable)."""
    pointer = f"{prefix}/blocks"
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    errors: list[str] = []
    _too_many(blocks, max_blocks, pointer, errors)
    for i, block in enumerate(blocks):
        here = f"{pointer}/{i}"
        if not isinstance(block, Mapping):
            errors.append(f"must be an object [json-pointer:{here}]")
            continue
        _too_long(block.get("block_id"), MAX_BLOCK_ID, f"{here}/block_id", errors)
        kind = block.get("type")
        if kind == "section":
            fields = block.get("fields")
            if block.get("text") is None and not fields:
                errors.append(f"must provide either text or fields [json-pointer:{here}]")
            _too_long(_text_of(block.get("text")), MAX_SECTION_TEXT, f"{here}/text/text", errors)
            _too_many(fields, MAX_SECTION_FIELDS, f"{here}/fields", errors)
            if isinstance(fields, list):
                for j, item in enumerate(fields):
                    _too_long(_text_of(item), MAX_FIELD_TEXT, f"{here}/fields/{j}/text", errors)
            _check_element(block.get("accessory"), f"{here}/accessory", errors)
        elif kind == "header":
            _too_long(_text_of(block.get("text")), MAX_HEADER_TEXT, f"{here}/text/text", errors)
        elif kind in ("actions", "context"):
            elements = block.get("elements")
            limit = MAX_ACTIONS_ELEMENTS if kind == "actions" else MAX_CONTEXT_ELEMENTS
            _too_many(elements, limit, f"{here}/elements", errors)
            if kind == "actions" and isinstance(elements, list):
                for j, element in enumerate(elements):
                    _check_element(element, f"{here}/elements/{j}", errors)
        elif kind == "input":
            _check_element(block.get("element"), f"{here}/element", errors)
    return errors


def validate_view(view: Any, expected_types: tuple[str, ...]) -> list[str]:
    """The errors Slack would report for a ``view`` argument of ``views.*``."""
    if not isinstance(view, Mapping):
        return ["must be an object [json-pointer:/view]"]
    errors: list[str] = []
    kind = view.get("type")
    if kind not in expected_types:
        errors.append(f"must be one of {list(expected_types)} [json-pointer:/view/type]")
    if kind == "modal":
        if view.get("title") is None:
            errors.append("missing required field: title [json-pointer:/view/title]")
        for key in ("title", "submit", "close"):
            _too_long(_text_of(view.get(key)), MAX_MODAL_TEXT, f"/view/{key}/text", errors)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, Mapping) and b.get("type") == "input" for b in blocks
        )
        if has_input and view.get("submit") is None:
            errors.append(
                "must provide submit when the view contains input blocks "
                "[json-pointer:/view/submit]"
            )
    _too_long(view.get("private_metadata"), MAX_PRIVATE_METADATA, "/view/private_metadata", errors)
    _too_long(view.get("callback_id"), MAX_CALLBACK_ID, "/view/callback_id", errors)
    _too_long(view.get("external_id"), MAX_CALLBACK_ID, "/view/external_id", errors)
    errors.extend(validate_blocks(view.get("blocks", []), MAX_VIEW_BLOCKS, prefix="/view"))
    return errors


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("1", "true", "yes")
    return bool(value)


def _tz_offset(tz: str) -> int:
    offset = datetime.now(UTC).astimezone(ZoneInfo(tz)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _tz_label(tz: str) -> str:
    return datetime.now(UTC).astimezone(ZoneInfo(tz)).tzname() or tz


def dm_channel_id(user_id: str) -> str:
    """The id of the app's direct-message channel with ``user_id`` in the fake."""
    return f"D{user_id}"


def socket_envelope(
    kind: str,
    payload: JsonDict,
    *,
    envelope_id: str | None = None,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> JsonDict:
    """A Socket Mode envelope as Slack sends it over the websocket.

    ``kind`` is ``"events_api"`` (``payload`` is the ``event_callback`` body),
    ``"interactive"`` (the interaction payload: ``block_actions``, ``view_submission``...) or
    ``"slash_commands"`` (the command's fields). Without ``envelope_id``,
    :meth:`FakeSlackApi.socket_send` assigns one.
    """
    envelope: JsonDict = {"type": kind, "payload": payload}
    if envelope_id is not None:
        envelope["envelope_id"] = envelope_id
    if kind == "interactive":
        accepts = payload.get("type") in ("view_submission", "block_suggestion")
    else:
        accepts = kind in _ACCEPTS_RESPONSE_PAYLOAD
    envelope["accepts_response_payload"] = accepts
    if kind == "events_api":
        envelope["retry_attempt"] = retry_attempt
        envelope["retry_reason"] = retry_reason
    return envelope


class FakeSlackApi:
    """The Slack Web API stand-in. See the module docstring."""

    def __init__(
        self,
        bot_token: str = "xoxb-test",  # noqa: S107 - a test token
        *,
        team_id: str = "T1",
        team_name: str = "Mentorbot Test",
        team_domain: str = "mentorbot-test",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        app_id: str = "A1",
        scopes: str = "chat:write,commands,im:write,users:read,users:read.email,usergroups:read",
        enforce_limits: bool = False,
        per_channel_per_second: float = 1.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        app_token: str = DEFAULT_APP_TOKEN,
    ) -> None:
        self.bot_token = bot_token
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.scopes = scopes
        self.enforce_limits = enforce_limits
        self.per_channel_per_second = per_channel_per_second
        self.burst = burst
        self.clock = clock
        self.app_token = app_token

        self.requests: list[Recorded] = []
        self.rate_limited = 0
        self.users: dict[str, SlackUser] = {}
        self.usergroups: dict[str, list[str]] = {}
        #: True after expire_trigger_ids() without arguments: every trigger_id is refused.
        self.triggers_expired = False

        self._failures: dict[str, deque[_Failure]] = {}
        self._used_triggers: set[str] = set()
        self._expired_triggers: set[str] = set()
        self._buckets: dict[str, _Bucket] = {}
        self._ts = itertools.count(_FIRST_TS_MICROS, _TS_STEP_MICROS)
        self._ids = itertools.count(1)
        self._posted: dict[tuple[str, str], JsonDict] = {}
        self._views: dict[str, JsonDict] = {}
        self._home_view_ids: dict[str, str] = {}
        # files: waiting for their upload / completion, shared, posted by people
        self._pending_uploads: dict[str, _Pending] = {}
        self._uploads: list[Upload] = []
        self._user_files: dict[str, tuple[JsonDict, bytes]] = {}
        #: False: the app has no ``files:read`` scope, downloads get the sign-in page
        self.can_read_files = True
        # slow or lost answers: method -> how many seconds each next answer is held, or None
        # for a connection closed without an answer
        self._delays: dict[str, deque[float | None]] = {}
        self._closing = asyncio.Event()
        # Socket Mode
        #: Every text message the clients sent over a socket (acknowledgements), in order.
        self.socket_received: list[JsonDict] = []
        #: How many websocket connections were opened (a reconnection counts).
        self.socket_connections = 0
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._socket_changed = asyncio.Condition()

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "usergroups.users.list": self._usergroups_users_list,
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Listen on 127.0.0.1 on a free port."""
        if self._runner is not None:
            return
        self._closing = asyncio.Event()
        app = web.Application()
        # before the generic route: it takes the app-level token, not the bot token
        app.router.add_route("*", "/api/apps.connections.open", self._handle_connections_open)
        app.router.add_route("GET", SOCKET_PATH, self._handle_socket)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_route("POST", "/hooks/{path:.*}", self._handle_hook)
        app.router.add_route("POST", "/upload/v1/{file_id}", self._handle_upload)
        app.router.add_route("GET", "/files-pri/{team_file}/{rest:.*}", self._handle_file_get)
        app.router.add_route("GET", "/signin", self._handle_signin)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self._closing.set()  # wakes held answers
        for socket in list(self._sockets):
            await socket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeSlackApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For ``AsyncWebClient(base_url=...)``; ends with ``/`` as slack-sdk requires."""
        return f"http://127.0.0.1:{self.port}/api/"

    @property
    def hooks_url(self) -> str:
        """Base for ``response_url``s that land in this fake (see :meth:`responses`)."""
        return f"http://127.0.0.1:{self.port}/hooks/"

    # ------------------------------------------------------------------ seeding / scripting

    def add_user(
        self,
        user_id: str,
        *,
        email: str | None = None,
        real_name: str = "",
        tz: str = "Europe/Paris",
        is_bot: bool = False,
        deleted: bool = False,
        locale: str = "fr-FR",
        display_name: str = "",
    ) -> SlackUser:
        user = SlackUser(
            id=user_id,
            email=email,
            real_name=real_name,
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            locale=locale,
            display_name=display_name,
        )
        self.users[user_id] = user
        return user

    def set_usergroup(self, usergroup_id: str, user_ids: list[str]) -> None:
        self.usergroups[usergroup_id] = list(user_ids)

    def fail_next(
        self,
        method: str,
        error: str = "ratelimited",
        *,
        retry_after: int | None = None,
        status: int = 200,
        times: int = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail with ``error``.

        With ``retry_after`` the answer is HTTP 429 with ``Retry-After: <retry_after>``
        (whatever ``status`` says); otherwise HTTP ``status``. The body is always
        ``{"ok": false, "error": error}``. Failures queue up in the order they are scripted.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        self._failures.setdefault(method, deque()).append(
            _Failure(error=error, retry_after=retry_after, status=status, remaining=times)
        )

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """Hold the answer to the next ``times`` calls to ``method`` for ``seconds``.

        The call takes effect at once (a posted message is recorded and counts in
        :meth:`messages`, as when Slack posted it but its answer came too late); a client
        that stops waiting before then gets no answer. :meth:`stop` ends the wait.
        """
        if times < 1:
            raise ValueError("times must be at least 1")
        self._delays.setdefault(method, deque()).extend([seconds] * times)

    def drop_next(self, method: str, *, times: int = 1) -> None:
        """The next ``times`` calls to ``method`` take effect, then their connection is
        closed without an answer (the client sees the server disconnect)."""
        if times < 1:
            raise ValueError("times must be at least 1")
        self._delays.setdefault(method, deque()).extend([None] * times)

    def expire_trigger_ids(self, *trigger_ids: str) -> None:
        """Refuse the given trigger ids, or, without arguments, every trigger id from now on
        (as if every click was more than 3 seconds ago). Set :attr:`triggers_expired` back to
        False to undo the latter."""
        if trigger_ids:
            self._expired_triggers.update(trigger_ids)
        else:
            self.triggers_expired = True

    def add_user_file(
        self,
        name: str,
        content: bytes,
        mimetype: str = "application/pdf",
        *,
        user: str = "U1",
        size: int | None = None,
        mode: str = "hosted",
    ) -> JsonDict:
        """A file a person posted; returns its entry for a message event's ``files``.
        ``size`` may claim another size than ``len(content)`` (a 25 MB file, without 25 MB)."""
        file_id = f"F{next(self._ids):08d}"
        base = f"http://127.0.0.1:{self.port}/files-pri/{self.team_id}-{file_id}"
        entry: JsonDict = {
            "id": file_id,
            "created": 1700000000,
            "timestamp": 1700000000,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": name.rsplit(".", 1)[-1] if "." in name else "binary",
            "user": user,
            "mode": mode,
            "size": len(content) if size is None else size,
            "is_external": False,
            "url_private": f"{base}/{name}",
            "url_private_download": f"{base}/download/{name}",
        }
        if mode == "hidden_by_limit":
            for key in ("url_private", "url_private_download", "name", "mimetype"):
                entry.pop(key, None)
        self._user_files[file_id] = (entry, content)
        return dict(entry)

    # ------------------------------------------------------------------ inspection

    def uploads(self, channel: str | None = None) -> list[Upload]:
        """Files shared with ``files.completeUploadExternal``, in order (with ``channel``,
        only those shared there; a user id matches their DM)."""
        wanted = None if channel is None else self._resolve_channel(channel)
        return [u for u in self._uploads if wanted is None or u.channel == wanted]

    def calls(self, method: str) -> list[JsonDict]:
        """Parameters of every call to ``method``, in order, accepted or not."""
        return [r.params for r in self.requests if r.method == method]

    def _accepted(self, *methods: str) -> Iterator[Recorded]:
        return (r for r in self.requests if r.method in methods and r.response.get("ok") is True)

    def messages(self, channel: str | None = None) -> list[JsonDict]:
        """Parameters of accepted ``chat.postMessage`` and ``chat.postEphemeral`` calls, in
        order; with ``channel``, only those whose resolved channel is that one (a user id
        matches that user's DM: ``messages("U1") == messages("DU1")``)."""
        wanted = None if channel is None else self._resolve_channel(channel)
        return [
            r.params
            for r in self._accepted("chat.postMessage", "chat.postEphemeral")
            if wanted is None or self._resolve_channel(str(r.params.get("channel"))) == wanted
        ]

    def posted(self, channel: str, ts: str) -> JsonDict | None:
        """The message at (`channel`, `ts`) as it stands now (after any ``chat.update``)."""
        return self._posted.get((self._resolve_channel(channel), ts))

    def last_post(self, channel: str) -> tuple[str, str]:
        """The resolved channel and ts of the last message posted to ``channel``."""
        wanted = self._resolve_channel(channel)
        for r in reversed(list(self._accepted("chat.postMessage"))):
            if self._resolve_channel(str(r.params.get("channel"))) == wanted:
                return wanted, str(r.response["ts"])
        raise LookupError(f"nothing posted to {channel}")

    def published_home(self, user_id: str) -> JsonDict | None:
        """The ``view`` of the last accepted ``views.publish`` for ``user_id``."""
        for r in reversed(list(self._accepted("views.publish"))):
            if r.params.get("user_id") == user_id:
                view = r.params.get("view")
                return view if isinstance(view, dict) else None
        return None

    def opened_views(self) -> list[JsonDict]:
        """The ``view`` of every accepted ``views.open``, in order."""
        return [
            r.params["view"]
            for r in self._accepted("views.open")
            if isinstance(r.params.get("view"), dict)
        ]

    def responses(self) -> list[JsonDict]:
        """JSON bodies posted to :attr:`hooks_url` (``respond()`` / ``response_url``)."""
        return [r.params for r in self.requests if r.method == "response_url"]

    def view(self, view_id: str) -> JsonDict | None:
        """The current state of a view the fake knows (opened, pushed, updated, published)."""
        return self._views.get(view_id)

    # ------------------------------------------------------------------ HTTP

    async def _read_params(self, request: web.Request) -> JsonDict:
        params: JsonDict = dict(request.query)
        if not request.can_read_body:
            return params
        if request.content_type == "application/json":
            raw = await request.text()
            if raw.strip():
                body = json.loads(raw)
                if isinstance(body, dict):
                    params.update(body)
            return params
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, str):
                params[key] = value
        for key in _JSON_FIELDS & params.keys():
            value = params[key]
            if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
                with contextlib.suppress(json.JSONDecodeError):
                    params[key] = json.loads(value)
        return params

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._read_params(request)
        reply = self._dispatch(method, params, request.headers.get("Authorization"))
        self.requests.append(
            Recorded(
                method=method,
                params=params,
                http_verb=request.method,
                status=reply.status,
                response=reply.body,
            )
        )
        await self._hold(method, request)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """The upload URL: the bytes of one file, as a raw body or a multipart form."""
        file_id = request.match_info["file_id"]
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            parts = [v for v in form.values() if isinstance(v, web.FileField)]
            content = parts[0].file.read() if parts else b""
        else:
            content = await request.read()
        pending = self._pending_uploads.get(file_id)
        self.requests.append(
            Recorded(method="upload", params={"file_id": file_id, "bytes": len(content)})
        )
        if pending is None:
            return web.Response(status=404, text="not found")
        if len(content) != pending.length:
            return web.Response(status=400, text="length mismatch")
        pending.content = content
        return web.Response(text=f"OK - {len(content)}")

    async def _handle_file_get(self, request: web.Request) -> web.StreamResponse:
        """A posted file's private URL: its bytes with the bot token, a sign-in page
        (through a redirect) without it, as Slack does."""
        team, _, file_id = request.match_info["team_file"].partition("-")
        authorization = request.headers.get("Authorization", "")
        self.requests.append(Recorded(method="file_download", params={"file": file_id}))
        if authorization != f"Bearer {self.bot_token}" or not self.can_read_files:
            raise web.HTTPFound("/signin")
        found = self._user_files.get(file_id)
        if team != self.team_id or found is None:
            return web.Response(status=404, text="file not found")
        entry, content = found
        return web.Response(
            body=content, content_type=str(entry.get("mimetype") or "application/octet-stream")
        )

    async def _handle_signin(self, request: web.Request) -> web.Response:
        return web.Response(
            text="<html><body>Sign in to Slack</body></html>", content_type="text/html"
        )

    async def _hold(self, method: str, request: web.Request) -> None:
        """Apply a scripted delay or dropped connection to this answer."""
        queue = self._delays.get(method)
        if not queue:
            return
        seconds = queue.popleft()
        if seconds is None:
            if request.transport is not None:
                request.transport.close()
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closing.wait()

    # ------------------------------------------------------------------ Socket Mode

    async def _handle_connections_open(self, request: web.Request) -> web.Response:
        params = await self._read_params(request)
        token = params.pop("token", None)
        authorization = request.headers.get("Authorization")
        if authorization is not None and authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ")
        failure = None if not token else self._take_failure("apps.connections.open")
        if not token:
            reply = _error("not_authed")
        elif not str(token).startswith("xapp-"):
            reply = _error("not_allowed_token_type")
        elif token != self.app_token:
            reply = _error("invalid_auth")
        elif failure is not None:
            reply = failure
        else:
            ticket = f"{next(self._ids):08x}-{self.app_id.lower()}"
            self._tickets.add(ticket)
            url = f"ws://127.0.0.1:{self.port}{SOCKET_PATH}?ticket={ticket}&app_id={self.app_id}"
            reply = _Reply({"ok": True, "url": url})
        self.requests.append(
            Recorded(
                method="apps.connections.open",
                params=params,
                http_verb=request.method,
                status=reply.status,
                response=reply.body,
            )
        )
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        if ticket not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        self._tickets.discard(ticket)  # a URL is good for one connection
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets) + 1,
                "debug_info": {
                    "host": "applink-fake",
                    "build_number": 1,
                    "approximate_connection_time": 18060,
                },
                "connection_info": {"app_id": self.app_id},
            }
        )
        async with self._socket_changed:
            self._sockets.append(socket)
            self.socket_connections += 1
            self._socket_changed.notify_all()
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    continue
                with contextlib.suppress(json.JSONDecodeError):
                    received = json.loads(message.data)
                    if isinstance(received, dict):
                        async with self._socket_changed:
                            self.socket_received.append(received)
                            self._socket_changed.notify_all()
        finally:
            async with self._socket_changed:
                self._sockets.remove(socket)
                self._socket_changed.notify_all()
        return socket

    async def _wait_socket(self, condition: Callable[[], bool], within: float) -> None:
        async with asyncio.timeout(within), self._socket_changed:
            await self._socket_changed.wait_for(condition)

    @property
    def socket_count(self) -> int:
        """How many Socket Mode connections are open now."""
        return len(self._sockets)

    async def socket_connected(self, within: float = 10) -> None:
        """Wait until a Socket Mode client is connected (TimeoutError after ``within`` seconds)."""
        await self._wait_socket(lambda: bool(self._sockets), within)

    async def socket_closed(self, within: float = 10) -> None:
        """Wait until no Socket Mode client is connected (TimeoutError after ``within`` seconds)."""
        await self._wait_socket(lambda: not self._sockets, within)

    async def socket_send(self, envelope: JsonDict) -> str:
        """Push an envelope to the most recent connection; returns its ``envelope_id``
        (assigned when missing). Raises RuntimeError when no client is connected."""
        if not self._sockets:
            raise RuntimeError("no Socket Mode client is connected")
        envelope = dict(envelope)
        envelope.setdefault("envelope_id", f"{next(self._ids):08x}-envelope")
        await self._sockets[-1].send_json(envelope)
        return str(envelope["envelope_id"])

    def socket_acks(self) -> dict[str, JsonDict]:
        """Acknowledgements received so far, by ``envelope_id`` (the first one of each)."""
        acks: dict[str, JsonDict] = {}
        for message in self.socket_received:
            envelope_id = message.get("envelope_id")
            if isinstance(envelope_id, str):
                acks.setdefault(envelope_id, message)
        return acks

    async def socket_ack(self, envelope_id: str, within: float = 10) -> JsonDict:
        """Wait (at most ``within`` seconds) for the client's acknowledgement of
        ``envelope_id`` and return it."""
        await self._wait_socket(lambda: envelope_id in self.socket_acks(), within)
        return self.socket_acks()[envelope_id]

    async def _handle_hook(self, request: web.Request) -> web.Response:
        raw = await request.text()
        try:
            body = json.loads(raw) if raw.strip() else {}
        except json.JSONDecodeError:
            body = {"_raw": raw}
        params = body if isinstance(body, dict) else {"_raw": body}
        answer: JsonDict = {"ok": True}
        self.requests.append(
            Recorded(
                method="response_url",
                params=params,
                http_verb=request.method,
                response=answer,
                path=request.match_info["path"],
            )
        )
        return web.json_response(answer)

    def _dispatch(self, method: str, params: JsonDict, authorization: str | None) -> _Reply:
        token = params.pop("token", None)
        if authorization is not None and authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ")
        if not token:
            return _error("not_authed")
        if token != self.bot_token:
            return _error("invalid_auth")
        handler = self._handlers.get(method)
        if handler is None:
            return _error("unknown_method", req_method=method)
        failure = self._take_failure(method)
        if failure is not None:
            return failure
        return handler(params)

    def _take_failure(self, method: str) -> _Reply | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        failure = queue[0]
        failure.remaining -= 1
        if failure.remaining <= 0:
            queue.popleft()
        body: JsonDict = {"ok": False, "error": failure.error}
        if failure.retry_after is not None:
            return _Reply(body, status=429, headers={"Retry-After": str(failure.retry_after)})
        return _Reply(body, status=failure.status)

    def _pace(self, channel: str) -> _Reply | None:
        if not self.enforce_limits:
            return None
        now = self.clock()
        bucket = self._buckets.get(channel)
        if bucket is None:
            bucket = self._buckets[channel] = _Bucket(tokens=float(self.burst), updated=now)
        elapsed = max(0.0, now - bucket.updated)
        refill = elapsed * self.per_channel_per_second
        bucket.tokens = min(float(self.burst), bucket.tokens + refill)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        self.rate_limited += 1
        wait = max(1, math.ceil((1.0 - bucket.tokens) / self.per_channel_per_second))
        return _Reply(
            {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": str(wait)}
        )

    # ------------------------------------------------------------------ helpers

    def _next_ts(self) -> str:
        micros = next(self._ts)
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _resolve_channel(self, channel: str) -> str:
        if channel[:1] in ("U", "W"):
            return dm_channel_id(channel)
        return channel

    def _check_message(self, params: JsonDict) -> _Reply | None:
        text = params.get("text")
        blocks = params.get("blocks")
        has_content = any(
            params.get(key) not in (None, "", [])
            for key in ("text", "blocks", "attachments", "markdown_text")
        )
        if not has_content:
            return _error("no_text")
        if isinstance(text, str) and len(text) > MAX_MESSAGE_TEXT:
            return _error("msg_too_long")
        if blocks is not None:
            if isinstance(blocks, str):
                return _error("invalid_blocks_format")
            errors = validate_blocks(blocks, MAX_MESSAGE_BLOCKS)
            if errors:
                return _limit_errors("invalid_blocks", errors)
        return None

    def _message(self, params: JsonDict, ts: str) -> JsonDict:
        message: JsonDict = {
            "type": "message",
            "subtype": "bot_message",
            "text": params.get("text") or "",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata", "thread_ts"):
            if params.get(key) is not None:
                message[key] = params[key]
        return message

    def _new_view_id(self) -> str:
        return f"V{next(self._ids):010d}"

    def _new_hash(self) -> str:
        n = next(self._ids)
        return f"{_FIRST_TS_MICROS // 1_000_000 + n}.{n:08x}"

    def _store_view(
        self,
        view: JsonDict,
        *,
        view_id: str | None = None,
        root: str | None = None,
        previous: str | None = None,
    ) -> JsonDict:
        vid = view_id or self._new_view_id()
        stored: JsonDict = {
            "id": vid,
            "team_id": self.team_id,
            "type": view.get("type"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": self._new_hash(),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root or vid,
            "previous_view_id": previous,
            "app_id": self.app_id,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        for key in ("title", "submit", "close"):
            if key in view:
                stored[key] = view[key]
        self._views[vid] = stored
        return stored

    def _use_trigger(self, params: JsonDict) -> _Reply | None:
        trigger = params.get("trigger_id") or params.get("interactivity_pointer")
        if not trigger:
            return _error("invalid_arguments", errors=["missing required field: trigger_id"])
        trigger = str(trigger)
        if self.triggers_expired or trigger in self._expired_triggers:
            return _error("expired_trigger_id")
        if trigger in self._used_triggers:
            return _error("expired_trigger_id")
        self._used_triggers.add(trigger)
        return None

    # ------------------------------------------------------------------ methods

    def _auth_test(self, params: JsonDict) -> _Reply:
        return _Reply(
            {
                "ok": True,
                "url": f"https://{self.team_domain}.slack.com/",
                "team": self.team_name,
                "user": "mentorbot",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": self.bot_id,
                "is_enterprise_install": False,
            },
            headers={"x-oauth-scopes": self.scopes},
        )

    def _chat_post_message(self, params: JsonDict) -> _Reply:
        if not params.get("channel"):
            return _error("channel_not_found")
        problem = self._check_message(params)
        if problem is not None:
            return problem
        channel = self._resolve_channel(str(params["channel"]))
        paced = self._pace(channel)
        if paced is not None:
            return paced
        ts = self._next_ts()
        message = self._message(params, ts)
        self._posted[(channel, ts)] = message
        return _Reply({"ok": True, "channel": channel, "ts": ts, "message": message})

    def _chat_update(self, params: JsonDict) -> _Reply:
        channel = self._resolve_channel(str(params.get("channel", "")))
        ts = str(params.get("ts", ""))
        if not channel or not ts:
            return _error("invalid_arguments")
        existing = self._posted.get((channel, ts))
        if existing is None:
            return _error("message_not_found")
        problem = self._check_message(params)
        if problem is not None:
            return problem
        message = self._message(params, ts)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        self._posted[(channel, ts)] = message
        return _Reply(
            {
                "ok": True,
                "channel": channel,
                "ts": ts,
                "text": message["text"],
                "message": message,
            }
        )

    def _chat_post_ephemeral(self, params: JsonDict) -> _Reply:
        if not params.get("channel"):
            return _error("channel_not_found")
        if not params.get("user"):
            return _error("user_not_found")
        problem = self._check_message(params)
        if problem is not None:
            return problem
        return _Reply({"ok": True, "message_ts": self._next_ts()})

    def _chat_get_permalink(self, params: JsonDict) -> _Reply:
        channel = self._resolve_channel(str(params.get("channel", "")))
        ts = str(params.get("message_ts", ""))
        if (channel, ts) not in self._posted:
            return _error("message_not_found")
        return _Reply(
            {
                "ok": True,
                "channel": channel,
                "permalink": (
                    f"https://{self.team_domain}.slack.com/archives/{channel}/"
                    f"p{ts.replace('.', '')}"
                ),
            }
        )

    def _conversations_open(self, params: JsonDict) -> _Reply:
        if params.get("channel"):
            return _Reply({"ok": True, "channel": {"id": str(params["channel"])}})
        users = [u.strip() for u in str(params.get("users", "")).split(",") if u.strip()]
        if not users:
            return _error("users_list_not_supplied")
        if len(users) > 8:
            return _error("too_many_users")
        if len(users) == 1:
            channel_id = dm_channel_id(users[0])
            channel: JsonDict = {"id": channel_id}
            if _truthy(params.get("return_im")):
                channel.update(
                    {"is_im": True, "user": users[0], "is_open": True, "created": 1700000000}
                )
        else:
            channel = {"id": "G" + "".join(u.removeprefix("U") for u in sorted(users))}
        return _Reply({"ok": True, "no_op": False, "already_open": False, "channel": channel})

    def _files_get_upload_url_external(self, params: JsonDict) -> _Reply:
        filename = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except (TypeError, ValueError):
            length = 0
        if not filename or length <= 0:
            return _error("invalid_arguments")
        file_id = f"F{next(self._ids):08d}"
        self._pending_uploads[file_id] = _Pending(filename, length)
        return _Reply(
            {
                "ok": True,
                "upload_url": f"http://127.0.0.1:{self.port}/upload/v1/{file_id}",
                "file_id": file_id,
            }
        )

    def _files_complete_upload_external(self, params: JsonDict) -> _Reply:
        raw = params.get("files")
        try:
            listed = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError:
            listed = None
        if not isinstance(listed, list) or not listed:
            return _error("invalid_arguments")
        channel = params.get("channel_id") or params.get("channels")
        channel = str(channel) if channel else None
        if channel is not None and channel[:1] in ("U", "W"):
            return _error("channel_not_found")
        thread = str(params.get("thread_ts") or "") or None
        if thread is not None and channel is not None and (channel, thread) not in self._posted:
            return _error("invalid_thread_ts")
        done: list[JsonDict] = []
        for item in listed:
            file_id = str(item.get("id") or "") if isinstance(item, dict) else ""
            pending = self._pending_uploads.get(file_id)
            if pending is None or pending.content is None:
                return _error("file_not_found")
            done.append({"id": file_id, "title": item.get("title") or pending.name})
        comment = params.get("initial_comment")
        for item in done:
            pending = self._pending_uploads.pop(item["id"])
            assert pending.content is not None
            if channel is None:
                continue  # uploaded, shared nowhere
            ts = self._next_ts()
            self._posted[(channel, ts)] = {
                "type": "message",
                "subtype": "file_share",
                "text": str(comment or ""),
                "user": self.bot_user_id,
                "ts": ts,
                **({"thread_ts": thread} if thread else {}),
                "files": [{"id": item["id"], "name": pending.name}],
            }
            self._uploads.append(
                Upload(
                    file_id=item["id"],
                    name=pending.name,
                    title=str(item["title"]),
                    content=pending.content,
                    channel=channel,
                    thread_ts=thread,
                    initial_comment=str(comment) if comment else None,
                    ts=ts,
                )
            )
        return _Reply({"ok": True, "files": done})

    def _views_open(self, params: JsonDict) -> _Reply:
        errors = validate_view(params.get("view"), ("modal",))
        if errors:
            return _limit_errors("invalid_arguments", errors)
        problem = self._use_trigger(params)
        if problem is not None:
            return problem
        return _Reply({"ok": True, "view": self._store_view(params["view"])})

    def _views_push(self, params: JsonDict) -> _Reply:
        errors = validate_view(params.get("view"), ("modal",))
        if errors:
            return _limit_errors("invalid_arguments", errors)
        problem = self._use_trigger(params)
        if problem is not None:
            return problem
        return _Reply({"ok": True, "view": self._store_view(params["view"])})

    def _views_update(self, params: JsonDict) -> _Reply:
        view_id = params.get("view_id")
        external_id = params.get("external_id")
        current: JsonDict | None = None
        if view_id:
            current = self._views.get(str(view_id))
        elif external_id:
            current = next(
                (v for v in self._views.values() if v.get("external_id") == external_id), None
            )
        else:
            return _error("invalid_arguments", errors=["view_id or external_id is required"])
        if current is None:
            return _error("not_found")
        errors = validate_view(params.get("view"), (str(current["type"]),))
        if errors:
            return _limit_errors("invalid_arguments", errors)
        if params.get("hash") and params["hash"] != current["hash"]:
            return _error("hash_conflict")
        stored = self._store_view(
            params["view"],
            view_id=current["id"],
            root=current["root_view_id"],
            previous=current["previous_view_id"],
        )
        return _Reply({"ok": True, "view": stored})

    def _views_publish(self, params: JsonDict) -> _Reply:
        user_id = params.get("user_id")
        if not user_id:
            return _error("invalid_arguments", errors=["missing required field: user_id"])
        errors = validate_view(params.get("view"), ("home",))
        if errors:
            return _limit_errors("invalid_arguments", errors)
        current_id = self._home_view_ids.get(str(user_id))
        current = self._views.get(current_id) if current_id else None
        if params.get("hash") and (current is None or params["hash"] != current["hash"]):
            return _error("hash_conflict")
        stored = self._store_view(params["view"], view_id=current_id)
        self._home_view_ids[str(user_id)] = stored["id"]
        return _Reply({"ok": True, "view": stored})

    def _user_json(self, user: SlackUser, include_locale: bool) -> JsonDict:
        data: JsonDict = {
            "id": user.id,
            "team_id": self.team_id,
            "name": (user.email or user.id).split("@")[0],
            "deleted": user.deleted,
            "real_name": user.real_name,
            "tz": user.tz,
            "tz_label": _tz_label(user.tz),
            "tz_offset": _tz_offset(user.tz),
            "is_admin": False,
            "is_owner": False,
            "is_bot": user.is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {
                "real_name": user.real_name,
                "real_name_normalized": user.real_name,
                "display_name": user.display_name,
                "display_name_normalized": user.display_name,
                "team": self.team_id,
                **({"email": user.email} if user.email else {}),
            },
        }
        if include_locale:
            data["locale"] = user.locale
        return data

    def _users_info(self, params: JsonDict) -> _Reply:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return _error("user_not_found")
        include_locale = _truthy(params.get("include_locale", False))
        return _Reply({"ok": True, "user": self._user_json(user, include_locale)})

    def _users_lookup_by_email(self, params: JsonDict) -> _Reply:
        email = str(params.get("email", "")).lower()
        for user in self.users.values():
            if user.email is not None and user.email.lower() == email:
                return _Reply({"ok": True, "user": self._user_json(user, False)})
        return _error("users_not_found")

    def _usergroups_users_list(self, params: JsonDict) -> _Reply:
        group = str(params.get("usergroup", ""))
        if group not in self.usergroups:
            return _error("no_such_subteam")
        return _Reply({"ok": True, "users": list(self.usergroups[group])})
