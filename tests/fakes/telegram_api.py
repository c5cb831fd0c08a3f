"""A stand-in Telegram Bot API server for tests.

The real python-telegram-bot (PTB 22) talks to it over HTTP on 127.0.0.1::

    async with FakeBotApi() as api:
        bot = telegram.Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url)
        async with bot:
            await bot.send_message(42, "Bonjour")
        assert api.texts(42) == ["Bonjour"]

What it does like Telegram (see ``/work/shared/platforms.md``):

* answers ``{"ok": true, "result": ...}`` / ``{"ok": false, "error_code": ..., "description":
  ...}`` with the HTTP status equal to ``error_code``;
* method names are case-insensitive, a wrong token answers 401, an unknown method 404;
* text of 1-4,096 characters and captions of at most 1,024 characters, counted after entity
  parsing (HTML and MarkdownV2 are parsed, tags stripped, entities unescaped, leading and
  trailing white space stripped); ``callback_data`` of 1-64 UTF-8 bytes; at most 100 inline
  buttons and 8 per row;
* ``editMessageText`` without ``reply_markup`` removes the inline keyboard, editing with the
  same content answers ``message is not modified``, unknown message ids answer ``message to
  edit/delete not found``, messages older than 48 hours cannot be deleted;
* optional token-bucket rate limits (per chat and overall) answering 429 with ``retry_after``;
* ``getUpdates`` with ``offset``/``limit``/``timeout``/``allowed_updates``, 409 when a webhook
  is set or when a newer ``getUpdates`` call supersedes a waiting one;
* files: a document the bot sent, or one a user sent (:meth:`FakeBotApi.user_file`, which
  returns the ``document`` dict for an update), is served by ``getFile`` (``file_path``)
  and then ``/file/bot<token>/<file_path>``; ``getFile`` refuses a file over the 20 MB a
  bot may download (``Bad Request: file is too big``), as Telegram does.

Deliberately stricter than Telegram: in HTML, ``&`` must start one of ``&lt; &gt; &amp; &quot;``
or a numeric entity (Telegram silently keeps a lone ``&``), so that unescaped user text is
caught in tests.

PTB sends every parameter as a form field (``application/x-www-form-urlencoded``, or
``multipart/form-data`` when a file is uploaded); strings are sent as-is and every other value
JSON-encoded, so the server decodes non-string parameters with ``json.loads``.
"""

from __future__ import annotations

import asyncio
import copy
import html
import json
import math
import re
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar

from aiohttp import BodyPartReader, web

JSONDict = dict[str, Any]
ChatId = int | str

DEFAULT_TOKEN = "123456789:AAFakeTokenForMentorbotTests_0123456"
DEFAULT_BOT_USERNAME = "mentorbot_test_bot"
DEFAULT_BOT_FIRST_NAME = "Mentorbot"

MAX_MESSAGE_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_BUTTONS = 100
MAX_BUTTONS_PER_ROW = 8
MAX_COMMANDS = 100
# a bot downloads files of at most 20 MB
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
DELETE_WINDOW_SECONDS = 48 * 3600

BLOCKED_DESCRIPTION = "Forbidden: bot was blocked by the user"
NEVER_STARTED_DESCRIPTION = "Forbidden: bot can't initiate conversation with a user"
NOT_MODIFIED_DESCRIPTION = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a specified old message content and reply markup of the message"
)
POLL_CONFLICT_DESCRIPTION = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
TEXT_BUTTON_MESSAGE = (
    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
)
WEBHOOK_CONFLICT_DESCRIPTION = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)

# Update types delivered when allowed_updates was never given (Telegram's default).
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Parameters that are strings in the Bot API: kept verbatim even if they look like JSON.
_STRING_PARAMS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "url",
        "secret_token",
        "language_code",
        "action",
        "inline_message_id",
        "business_connection_id",
        "ip_address",
        "file_id",
        "message_effect_id",
        "description",
        "short_description",
        "name",
        "title",
        "emoji",
        "query",
        "first_name",
        "last_name",
        "username",
    }
)
# Parameters that are JSON objects or arrays: decoded even when a JSON body carries them as a
# JSON-encoded string (the real API accepts both).
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)

# Methods whose successful calls are "messages the user sees".
_MESSAGE_METHODS = ("sendMessage", "sendDocument", "editMessageText")
_KEYBOARD_METHODS = ("sendMessage", "sendDocument", "editMessageText", "editMessageReplyMarkup")
# Methods refused with 403 in a chat that blocked the bot or never started it.
_CHAT_SEND_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendchataction",
        "editmessagetext",
        "editmessagereplymarkup",
    }
)


# --------------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------------


def _copied(message: JSONDict) -> JSONDict:
    """A copy of a stored message to answer with (the answer is recorded, the stored one may
    be edited later): through JSON, as it is served, several times faster than deepcopy."""
    copied: JSONDict = json.loads(json.dumps(message))
    return copied


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class Recorded:
    """One HTTP request received by the fake, with the answer it got."""

    method: str
    params: JSONDict
    files: dict[str, UploadedFile] = field(default_factory=dict)
    http_method: str = "POST"
    content_type: str = ""
    token: str = ""
    status: int = 0
    response: JSONDict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> ChatId | None:
        value = self.params.get("chat_id")
        return _norm_chat_id(value) if value is not None else None

    @property
    def result(self) -> Any:
        return self.response.get("result")


class ApiError(Exception):
    """Raised inside a method implementation to answer ``ok: false``."""

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def payload(self) -> JSONDict:
        body: JSONDict = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: {message}")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


# --------------------------------------------------------------------------------------------
# Formatting: HTML and MarkdownV2 parsing like Telegram (text + entities, UTF-16 offsets)
# --------------------------------------------------------------------------------------------


class EntityParseError(Exception):
    """Invalid markup; the message becomes ``Bad Request: can't parse entities: ...``."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _TextBuilder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # in UTF-16 code units
        self.entities: list[JSONDict] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos += utf16_len(chunk)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.pos - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[JSONDict]]:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), entities


_HTML_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_ENTITY_RE = re.compile(r"&(?:([A-Za-z]+)|#([0-9]{1,8})|#[xX]([0-9A-Fa-f]{1,8}));")
_HTML_START_TAG_RE = re.compile(
    r"<([A-Za-z0-9-]*)"
    r"((?:\s+[A-Za-z_][A-Za-z0-9_-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)"
    r"\s*>"
)
_HTML_ATTR_RE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'>]+)))?"
)
_HTML_END_TAG_RE = re.compile(r"</([A-Za-z0-9-]*)\s*>")


def _decode_html_entity(text: str, index: int) -> tuple[str, int]:
    match = _HTML_ENTITY_RE.match(text, index)
    if match is None:
        raise EntityParseError(f'Unescaped "&" at byte offset {_byte_offset(text, index)}')
    named, decimal, hexa = match.groups()
    if named is not None:
        if named not in _HTML_NAMED_ENTITIES:
            raise EntityParseError(
                f'Unsupported HTML entity "&{named};" at byte offset {_byte_offset(text, index)}'
            )
        return _HTML_NAMED_ENTITIES[named], match.end()
    code = int(decimal) if decimal is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise EntityParseError(f"Invalid character code at byte offset {_byte_offset(text, index)}")
    return chr(code), match.end()


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Parse Telegram's HTML subset; return (plain text, entities) or raise EntityParseError."""
    out = _TextBuilder()
    # (tag name, start position in UTF-16, attributes, index of the tag in text)
    stack: list[tuple[str, int, dict[str, str], int]] = []
    pre_language: dict[int, str] = {}
    i = 0
    n = len(text)
    plain_start = 0
    while i < n:
        char = text[i]
        if char not in "&<":
            i += 1
            continue
        if plain_start < i:
            out.add(text[plain_start:i])
        if char == "&":
            decoded, i = _decode_html_entity(text, i)
            out.add(decoded)
            plain_start = i
            continue
        at = i
        if text.startswith("</", i):
            end = _HTML_END_TAG_RE.match(text, i)
            if end is None:
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, at)}")
            name = end.group(1).lower()
            if not stack:
                raise EntityParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(text, at)}"
                )
            open_name, start, attrs, _ = stack.pop()
            if name != open_name:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, at)}, "
                    f'expected "</{open_name}>", found "</{name}>"'
                )
            kind = _HTML_TAG_ENTITY[open_name]
            if open_name == "a":
                href = attrs.get("href", "")
                if href:
                    out.entity(kind, start, url=href)
            elif open_name == "pre":
                language = pre_language.pop(len(stack), "")
                if language:
                    out.entity(kind, start, language=language)
                else:
                    out.entity(kind, start)
            elif open_name == "code" and stack and stack[-1][0] == "pre":
                # <pre><code class="language-x">: one pre entity carrying the language.
                language = attrs.get("class", "")
                if language.startswith("language-"):
                    pre_language[len(stack) - 1] = language.removeprefix("language-")
            elif open_name == "blockquote" and "expandable" in attrs:
                out.entity("expandable_blockquote", start)
            else:
                out.entity(kind, start)
            i = end.end()
            plain_start = i
            continue
        start_tag = _HTML_START_TAG_RE.match(text, i)
        name_match = re.match(r"<([A-Za-z0-9-]*)", text[i:])
        name = (name_match.group(1) if name_match else "").lower()
        if name not in _HTML_TAG_ENTITY:
            raise EntityParseError(
                f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, at)}'
            )
        if start_tag is None:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, at)}")
        tag_attrs: dict[str, str] = {}
        for attr in _HTML_ATTR_RE.finditer(start_tag.group(2)):
            value = next((v for v in attr.groups()[1:] if v is not None), "")
            tag_attrs[attr.group(1).lower()] = html.unescape(value)
        if name == "span" and tag_attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, at)}'
            )
        stack.append((name, out.pos, tag_attrs, at))
        i = start_tag.end()
        plain_start = i
    if plain_start < n:
        out.add(text[plain_start:])
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MDV2_MARKERS = {
    "*": ("bold", "Bold"),
    "_": ("italic", "Italic"),
    "__": ("underline", "Underline"),
    "~": ("strikethrough", "Strikethrough"),
    "||": ("spoiler", "Spoiler"),
    "[": ("text_link", "TextUrl"),
}


def _reserved(char: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Parse MarkdownV2 closely enough to catch unescaped reserved characters and unbalanced
    markers; return (plain text, entities) or raise EntityParseError."""
    out = _TextBuilder()
    stack: list[tuple[str, int, int]] = []  # (marker, start in UTF-16, index in text)
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        at = i
        if char == "\\":
            if i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                out.add(text[i + 1])
                i += 2
            else:
                out.add(char)
                i += 1
            continue
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            j = i + len(fence)
            language = ""
            if fence == "```":
                newline = text.find("\n", j)
                if newline != -1 and re.fullmatch(r"[A-Za-z0-9_+-]*", text[j:newline]):
                    language = text[j:newline]
                    j = newline + 1
            chunk: list[str] = []
            while j < n and not text.startswith(fence, j):
                if text[j] == "\\" and j + 1 < n and text[j + 1] in "`\\":
                    chunk.append(text[j + 1])
                    j += 2
                else:
                    chunk.append(text[j])
                    j += 1
            if j >= n:
                kind_name = "Pre" if fence == "```" else "Code"
                raise EntityParseError(
                    f"Can't find end of {kind_name} entity at byte offset {_byte_offset(text, at)}"
                )
            start = out.pos
            out.add("".join(chunk))
            if fence == "`":
                out.entity("code", start)
            elif language:
                out.entity("pre", start, language=language)
            else:
                out.entity("pre", start)
            i = j + len(fence)
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            marker, start, link_offset = stack.pop()
            if not text.startswith("(", i + 1):
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, link_offset)}"
                )
            j = i + 2
            url: list[str] = []
            while j < n and text[j] != ")":
                if text[j] == "\\" and j + 1 < n:
                    url.append(text[j + 1])
                    j += 2
                else:
                    url.append(text[j])
                    j += 1
            if j >= n:
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, link_offset)}"
                )
            out.entity("text_link", start, url="".join(url))
            i = j + 1
            continue
        if char == ">" and (i == 0 or text[i - 1] == "\n"):
            i += 1  # blockquote line marker: accepted, no entity produced
            continue
        if char in "*_~|[":
            if char == "_" and text.startswith("__", i) and not (stack and stack[-1][0] == "_"):
                marker = "__"
            elif char == "|":
                if not text.startswith("||", i):
                    raise _reserved(char)
                marker = "||"
            else:
                marker = char
            if marker != "[" and stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                out.entity(_MDV2_MARKERS[marker][0], start)
            elif marker != "[" and any(entry[0] == marker for entry in stack):
                top = stack[-1]
                raise EntityParseError(
                    f"Can't find end of {_MDV2_MARKERS[top[0]][1]} entity at byte offset "
                    f"{_byte_offset(text, top[2])}"
                )
            else:
                stack.append((marker, out.pos, at))
            i += len(marker)
            continue
        if char in _MDV2_RESERVED:
            raise _reserved(char)
        out.add(char)
        i += 1
    if stack:
        marker, _, at = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_MARKERS[marker][1]} entity at byte offset "
            f"{_byte_offset(text, at)}"
        )
    return out.result()


def _strip_text(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Strip leading/trailing white space like Telegram and shift the entities."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    shifted: list[JSONDict] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead)
        end = min(total, entity["offset"] + entity["length"] - lead)
        if end > start:
            shifted.append({**entity, "offset": start, "length": end - start})
    return stripped, shifted


def format_text(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    """Apply ``parse_mode`` like Telegram: return the plain text and the parsed entities.

    Raises ApiError (400) for unknown parse modes and invalid markup.
    """
    mode = (parse_mode or "").lower()
    try:
        if mode == "html":
            plain, entities = parse_html(text)
        elif mode == "markdownv2":
            plain, entities = parse_markdown_v2(text)
        elif mode in ("", "markdown"):
            plain, entities = text, []
        else:
            raise bad_request("unsupported parse_mode")
    except EntityParseError as exc:
        raise bad_request(f"can't parse entities: {exc}") from exc
    return _strip_text(plain, entities)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _norm_chat_id(value: Any) -> ChatId:
    if isinstance(value, bool):
        return str(value).lower()  # not a chat id; answered "chat not found"
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    return text


def _decode_form_value(name: str, value: str) -> Any:
    if name in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(params: JSONDict, name: str, default: int | None = None) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise bad_request(f'field "{name}" must be a valid Number') from exc


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _update_type(update: JSONDict) -> str:
    return next((key for key in update if key != "update_id"), "")


@dataclass
class _FailureRule:
    method: str  # lower case
    chat_id: ChatId | None
    error: ApiError
    remaining: int


@dataclass
class _DelayRule:
    method: str  # lower case
    chat_id: ChatId | None
    seconds: float
    effective: bool
    remaining: int


@dataclass
class _TokenBucket:
    capacity: float
    rate: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now

    def wait(self) -> float:
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_name: str
    mime_type: str
    content: bytes
    file_path: str
    # the size Telegram states (a test may claim 25 MB without holding 25 MB)
    declared_size: int | None = None

    @property
    def size(self) -> int:
        return len(self.content) if self.declared_size is None else self.declared_size


Handler = Callable[[Recorded], Awaitable[Any]]
_Rule = TypeVar("_Rule", _FailureRule, _DelayRule)


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class FakeBotApi:
    """Stand-in Bot API server; see the module docstring."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = DEFAULT_BOT_FIRST_NAME,
        enforce_limits: bool = False,
        per_chat_per_second: float = 1.0,
        chat_burst: int = 3,
        overall_per_second: float = 30.0,
        overall_burst: int = 30,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rate_limited_methods: Iterable[str] = ("sendMessage", "sendDocument"),
        host: str = "127.0.0.1",
    ) -> None:
        self.token = token
        bot_id_text = token.split(":", 1)[0]
        self.bot_user: JSONDict = {
            "id": int(bot_id_text) if bot_id_text.isdigit() else 123456789,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }
        self.enforce_limits = enforce_limits
        self.per_chat_per_second = per_chat_per_second
        self.chat_burst = chat_burst
        self.overall_per_second = overall_per_second
        self.overall_burst = overall_burst
        self.rate_limited_methods = frozenset(m.lower() for m in rate_limited_methods)
        self.host = host
        self._clock = clock
        self._wall_clock = wall_clock

        self.requests: list[Recorded] = []
        self.rate_limited = 0
        # called with each request once its parameters are read, before it is handled (a
        # test can act when the Nth message arrives, e.g. kill the process sending them)
        self.on_request: Callable[[Recorded], None] | None = None

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = asyncio.Event()

        self._failures: list[_FailureRule] = []
        self._delays: list[_DelayRule] = []
        self._blocked: set[ChatId] = set()
        self._never_started: set[ChatId] = set()
        self._users: dict[ChatId, JSONDict] = {}

        self._chat_buckets: dict[ChatId, _TokenBucket] = {}
        self._overall_bucket: _TokenBucket | None = None

        self._messages: dict[ChatId, dict[int, JSONDict]] = defaultdict(dict)
        self._last_message_id: dict[ChatId, int] = defaultdict(int)
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_counter = 0

        self._updates: list[JSONDict] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] | None = None
        self._updates_changed = asyncio.Event()
        self._poll_generation = 0

        self.webhook: JSONDict | None = None

        handlers: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendDocument": self._send_document,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
        }
        self._handlers: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler) for name, handler in handlers.items()
        }

    # ---------------------------------------------------------------- lifecycle

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

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeBotApi already started")
        self._closing = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        address = runner.addresses[0]
        self._port = int(address[1])

    async def stop(self) -> None:
        runner = self._runner
        if runner is None:
            return
        self._closing.set()  # wakes long polls and delayed answers
        self._notify_updates()
        self._runner = None
        await runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotApi is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """What PTB wants as ``base_url`` (it appends the token)."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    # ---------------------------------------------------------------- scripting

    def fail_next(
        self,
        method: str,
        *,
        chat_id: ChatId | None = None,
        error_code: int = 403,
        description: str = BLOCKED_DESCRIPTION,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (for ``chat_id`` if given) with an
        error; with ``retry_after`` the error is a 429 flood-control answer."""
        if retry_after is not None:
            error = too_many_requests(retry_after)
        else:
            error = ApiError(error_code, description)
        self._failures.append(
            _FailureRule(
                method.lower(),
                _norm_chat_id(chat_id) if chat_id is not None else None,
                error,
                times,
            )
        )

    def delay_next(
        self,
        method: str,
        seconds: float,
        *,
        chat_id: ChatId | None = None,
        times: int = 1,
        effective: bool = True,
    ) -> None:
        """Hold the answer to the next ``times`` calls of ``method`` for ``seconds``.

        With ``effective=True`` the call takes effect at once (the message exists, as when
        Telegram delivered it but the answer was lost); with ``effective=False`` nothing
        happens and, if the client is still waiting, it gets ``502 Bad Gateway``.
        """
        self._delays.append(
            _DelayRule(
                method.lower(),
                _norm_chat_id(chat_id) if chat_id is not None else None,
                seconds,
                effective,
                times,
            )
        )

    def block(self, chat_id: ChatId) -> None:
        """The user blocked the bot: every send to the chat answers 403."""
        self._blocked.add(_norm_chat_id(chat_id))

    def unblock(self, chat_id: ChatId) -> None:
        self._blocked.discard(_norm_chat_id(chat_id))

    def never_started(self, chat_id: ChatId) -> None:
        """The user never pressed Start: every send to the chat answers 403."""
        self._never_started.add(_norm_chat_id(chat_id))

    def started(self, chat_id: ChatId) -> None:
        self._never_started.discard(_norm_chat_id(chat_id))

    def seed_message(
        self, chat_id: ChatId, text: str, *, reply_markup: JSONDict | None = None
    ) -> JSONDict:
        """Register a message the bot sent earlier, without a request; returns it."""
        content: JSONDict = {"text": text}
        if reply_markup is not None:
            content["reply_markup"] = reply_markup
        return self._new_message(_norm_chat_id(chat_id), content)

    def user_file(
        self,
        content: bytes,
        file_name: str = "cv.pdf",
        mime_type: str = "application/pdf",
        *,
        size: int | None = None,
    ) -> JSONDict:
        """A file a user sent to the bot: stored, and returned as the ``document`` dict of a
        message (``size`` may claim another ``file_size`` than the content's)."""
        stored = self._store_file(UploadedFile(file_name, content, mime_type))
        stored.declared_size = size
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": stored.size,
        }

    def user_photo(self, content: bytes, *, width: int = 1280, height: int = 960) -> JSONDict:
        """A photo a user sent: its largest size stored (``getFile`` serves it), returned as
        that ``PhotoSize`` dict; smaller sizes are left to the update factory."""
        stored = self._store_file(UploadedFile("photo.jpg", content, "image/jpeg"))
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": width,
            "height": height,
            "file_size": stored.size,
        }

    # ---------------------------------------------------------------- updates

    def push_update(self, update: JSONDict) -> JSONDict:
        """Queue an update for getUpdates (``update_id`` assigned if missing); returns it."""
        update = copy.deepcopy(update)
        if "update_id" not in update:
            update["update_id"] = self._next_update_id
        self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        self._learn_users(update)
        self._updates.append(update)
        self._notify_updates()
        return update

    @property
    def pending_updates(self) -> list[JSONDict]:
        return list(self._updates)

    def _notify_updates(self) -> None:
        self._updates_changed.set()
        self._updates_changed = asyncio.Event()

    def _learn_users(self, update: JSONDict) -> None:
        for value in update.values():
            if not isinstance(value, dict):
                continue
            user = value.get("from")
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if isinstance(user, dict) and not user.get("is_bot"):
                self._users[user["id"]] = user
            if isinstance(chat, dict) and chat.get("type") == "private":
                self._users.setdefault(chat["id"], {"first_name": chat.get("first_name", "")})

    # ---------------------------------------------------------------- inspection

    def calls(self, method: str) -> list[Recorded]:
        """Every recorded request to ``method`` (case-insensitive), failed ones included."""
        wanted = method.lower()
        return [r for r in self.requests if r.method.lower() == wanted]

    def unanswered(self, method: str) -> list[Recorded]:
        """Requests to ``method`` received and not answered yet (e.g. held by ``delay_next``)."""
        return [r for r in self.calls(method) if r.status == 0]

    def sent_messages(self, chat_id: ChatId | None = None) -> list[JSONDict]:
        """Params of successful sendMessage/sendDocument/editMessageText calls, in order."""
        return [r.params for r in self._successful(_MESSAGE_METHODS, chat_id)]

    def texts(self, chat_id: ChatId, *, plain: bool = False) -> list[str]:
        """Texts of successful sendMessage/editMessageText calls to the chat, in order: as sent
        (markup included), or as displayed with ``plain=True`` (tags stripped, unescaped)."""
        texts: list[str] = []
        for record in self._successful(("sendMessage", "editMessageText"), chat_id):
            if plain and isinstance(record.result, dict):
                texts.append(record.result["text"])
            else:
                texts.append(str(record.params.get("text", "")))
        return texts

    def last_keyboard(self, chat_id: ChatId) -> list[list[JSONDict]] | None:
        """``inline_keyboard`` of the last successful send/edit to the chat that had one."""
        for record in reversed(self._successful(_KEYBOARD_METHODS, chat_id)):
            markup = record.params.get("reply_markup")
            if isinstance(markup, dict) and "inline_keyboard" in markup:
                keyboard: list[list[JSONDict]] = markup["inline_keyboard"]
                return keyboard
        return None

    def messages(self, chat_id: ChatId) -> list[JSONDict]:
        """The bot's messages currently in the chat (after edits and deletions)."""
        stored = self._messages.get(_norm_chat_id(chat_id), {})
        return [copy.deepcopy(stored[mid]) for mid in sorted(stored)]

    def last_message(self, chat_id: ChatId) -> JSONDict | None:
        current = self.messages(chat_id)
        return current[-1] if current else None

    def commands(self, *, scope: JSONDict | None = None, language_code: str = "") -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    def _successful(self, methods: Iterable[str], chat_id: ChatId | None) -> list[Recorded]:
        wanted = {m.lower() for m in methods}
        chat = _norm_chat_id(chat_id) if chat_id is not None else None
        return [
            r
            for r in self.requests
            if r.ok and r.method.lower() in wanted and (chat is None or r.chat_id == chat)
        ]

    # ---------------------------------------------------------------- HTTP

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method_name = request.match_info["method"]
        known = self._handlers.get(method_name.lower())
        record = Recorded(
            method=known[0] if known else method_name,
            params={},
            http_method=request.method,
            content_type=request.content_type,
            token=token,
        )
        self.requests.append(record)
        try:
            record.params, record.files = await self._read_params(request)
            if self.on_request is not None:
                self.on_request(record)
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            if known is None:
                raise ApiError(404, "Not Found: method not found")
            payload = await self._run(record, known[1])
        except ApiError as exc:
            payload = exc.payload()
        record.status = 200 if payload.get("ok") else int(payload["error_code"])
        record.response = payload
        return web.json_response(payload, status=record.status)

    async def _run(self, record: Recorded, handler: Handler) -> JSONDict:
        delay = self._take_rule(self._delays, record)
        if delay is not None and not delay.effective:
            await self._sleep(delay.seconds)
            raise ApiError(502, "Bad Gateway")
        try:
            result = await self._dispatch(record, handler)
            payload: JSONDict = {"ok": True, "result": result}
        except ApiError as exc:
            payload = exc.payload()
        if delay is not None:
            await self._sleep(delay.seconds)
        return payload

    async def _dispatch(self, record: Recorded, handler: Handler) -> Any:
        failure = self._take_rule(self._failures, record)
        if failure is not None:
            raise failure.error
        method = record.method.lower()
        if method in _CHAT_SEND_METHODS and "chat_id" in record.params:
            chat = record.chat_id
            if chat in self._blocked:
                raise ApiError(403, BLOCKED_DESCRIPTION)
            if chat in self._never_started:
                raise ApiError(403, NEVER_STARTED_DESCRIPTION)
        consumed = self._take_rate(record)
        try:
            return await handler(record)
        except ApiError:
            for bucket in consumed:  # refused requests do not count against the limits
                bucket.tokens += 1.0
            raise

    @staticmethod
    def _take_rule(rules: list[_Rule], record: Recorded) -> _Rule | None:
        method = record.method.lower()
        for rule in rules:
            if rule.method != method:
                continue
            if rule.chat_id is not None and record.chat_id != rule.chat_id:
                continue
            rule.remaining -= 1
            if rule.remaining <= 0:
                rules.remove(rule)
            return rule
        return None

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake up at once when the server stops."""
        try:
            async with asyncio.timeout(seconds):
                await self._closing.wait()
        except TimeoutError:
            pass

    async def _read_params(self, request: web.Request) -> tuple[JSONDict, dict[str, UploadedFile]]:
        params: JSONDict = {
            key: _decode_form_value(key, value) for key, value in request.query.items()
        }
        files: dict[str, UploadedFile] = {}
        content_type = request.content_type
        if not request.can_read_body:
            return params, files
        if content_type == "application/json":
            try:
                body = await request.json()
            except ValueError as exc:
                raise bad_request("can't parse JSON encoded request parameters") from exc
            if isinstance(body, dict):
                for key, value in body.items():
                    if key in _JSON_PARAMS and isinstance(value, str):
                        params[key] = _decode_form_value(key, value)
                    else:
                        params[key] = value
        elif content_type == "application/x-www-form-urlencoded":
            form = await request.post()
            for key, value in form.items():
                params[key] = _decode_form_value(key, str(value))
        elif content_type.startswith("multipart/"):
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                if not isinstance(part, BodyPartReader) or part.name is None:
                    continue
                if part.filename is not None:
                    data = bytes(await part.read(decode=False))
                    files[part.name] = UploadedFile(
                        filename=part.filename,
                        content=data,
                        content_type=part.headers.get("Content-Type", "application/octet-stream"),
                    )
                else:
                    params[part.name] = _decode_form_value(part.name, await part.text())
        return params, files

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content, content_type=stored.mime_type)
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    # ---------------------------------------------------------------- validation

    def _check_text(
        self, raw: Any, parse_mode: Any, *, caption: bool = False
    ) -> tuple[str, list[JSONDict]]:
        if raw is None or raw == "":
            if caption:
                return "", []
            raise bad_request("message text is empty")
        plain, entities = format_text(str(raw), str(parse_mode) if parse_mode else None)
        if not plain and not caption:
            raise bad_request("message text is empty")
        if caption and len(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        if not caption and len(plain) > MAX_MESSAGE_LENGTH:
            raise bad_request("message is too long")
        return plain, entities

    def _check_reply_markup(self, markup: Any) -> JSONDict | None:
        if markup is None or markup == "":
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        keyboard = markup.get("inline_keyboard")
        if keyboard is None:
            return markup
        if not isinstance(keyboard, list) or not all(isinstance(row, list) for row in keyboard):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        if sum(len(row) for row in keyboard) > MAX_INLINE_BUTTONS:
            raise bad_request("reply markup is too long")
        for row in keyboard:
            if len(row) > MAX_BUTTONS_PER_ROW:
                raise bad_request("reply markup is too long")
            for button in row:
                self._check_button(button)
        return markup

    @staticmethod
    def _check_button(button: Any) -> None:
        if not isinstance(button, dict) or not button.get("text"):
            raise bad_request(TEXT_BUTTON_MESSAGE)
        if "callback_data" in button:
            data = button["callback_data"]
            size = len(str(data).encode("utf-8"))
            if not isinstance(data, str) or size == 0 or size > MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
            return
        actions = {
            "url",
            "login_url",
            "web_app",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "copy_text",
            "callback_game",
            "pay",
        }
        if not actions & button.keys():
            raise bad_request(TEXT_BUTTON_MESSAGE)

    def _require_chat(self, params: JSONDict) -> ChatId:
        value = params.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        chat = _norm_chat_id(value)
        if isinstance(chat, str):
            raise bad_request("chat not found")
        return chat

    def _take_rate(self, record: Recorded) -> list[_TokenBucket]:
        """Take one token from the chat's and the overall bucket, or answer 429."""
        if not self.enforce_limits or record.method.lower() not in self.rate_limited_methods:
            return []
        now = self._clock()
        if self._overall_bucket is None:
            self._overall_bucket = _TokenBucket(
                self.overall_burst, self.overall_per_second, self.overall_burst, now
            )
        buckets = [self._overall_bucket]
        chat = record.chat_id
        if chat is not None:
            if chat not in self._chat_buckets:
                self._chat_buckets[chat] = _TokenBucket(
                    self.chat_burst, self.per_chat_per_second, self.chat_burst, now
                )
            buckets.append(self._chat_buckets[chat])
        for bucket in buckets:
            bucket.refill(now)
        wait = max(bucket.wait() for bucket in buckets)
        if wait > 0:
            self.rate_limited += 1
            raise too_many_requests(max(1, math.ceil(wait)))
        for bucket in buckets:
            bucket.tokens -= 1.0
        return buckets

    # ---------------------------------------------------------------- messages

    def _chat(self, chat: ChatId) -> JSONDict:
        if isinstance(chat, int) and chat < 0:
            return {"id": chat, "type": "group", "title": "Group"}
        user = self._users.get(chat, {})
        first_name = user.get("first_name") or "Test"
        result: JSONDict = {"id": chat, "type": "private", "first_name": first_name}
        if user.get("username"):
            result["username"] = user["username"]
        return result

    def _new_message(self, chat: ChatId, content: JSONDict) -> JSONDict:
        self._last_message_id[chat] += 1
        message: JSONDict = {
            "message_id": self._last_message_id[chat],
            "from": dict(self.bot_user),
            "chat": self._chat(chat),
            "date": int(self._wall_clock()),
            **content,
        }
        self._messages[chat][message["message_id"]] = message
        return _copied(message)

    def _find_message(self, params: JSONDict, missing: str) -> tuple[ChatId, JSONDict]:
        chat = self._require_chat(params)
        message_id = _as_int(params, "message_id")
        if message_id is None:
            raise bad_request("message identifier is not specified")
        message = self._messages.get(chat, {}).get(message_id)
        if message is None:
            raise bad_request(missing)
        return chat, message

    async def _send_message(self, record: Recorded) -> JSONDict:
        params = record.params
        chat = self._require_chat(params)
        text, entities = self._check_text(params.get("text"), params.get("parse_mode"))
        if params.get("entities") and not params.get("parse_mode"):
            entities = list(params["entities"])
        markup = self._check_reply_markup(params.get("reply_markup"))
        content: JSONDict = {"text": text}
        if entities:
            content["entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        return self._new_message(chat, content)

    async def _send_document(self, record: Recorded) -> JSONDict:
        params = record.params
        chat = self._require_chat(params)
        caption, entities = self._check_text(
            params.get("caption"), params.get("parse_mode"), caption=True
        )
        markup = self._check_reply_markup(params.get("reply_markup"))
        upload = record.files.get("document")
        reference = params.get("document")
        if isinstance(reference, str) and reference.startswith("attach://"):
            upload = record.files.get(reference.removeprefix("attach://"))
            reference = None
        if upload is not None:
            if not upload.content:
                raise bad_request("file must be non-empty")
            stored = self._store_file(upload)
        elif isinstance(reference, str) and reference in self._files:
            stored = self._files[reference]
        elif isinstance(reference, str) and reference:
            name = reference.rstrip("/").rsplit("/", 1)[-1] or "file"
            stored = self._store_file(UploadedFile(name, b"", "application/octet-stream"))
        else:
            raise bad_request("there is no document in the request")
        content: JSONDict = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": stored.file_name,
                "mime_type": stored.mime_type,
                "file_size": len(stored.content),
            }
        }
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        if markup is not None and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        return self._new_message(chat, content)

    def _store_file(self, upload: UploadedFile) -> _StoredFile:
        self._file_counter += 1
        number = self._file_counter
        suffix = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
        stored = _StoredFile(
            file_id=f"BQACAgQAAxkDAAI{number:06d}FakeDocumentFileId",
            file_unique_id=f"AgAD{number:06d}",
            file_name=upload.filename,
            mime_type=upload.content_type.split(";", 1)[0].strip() or "application/octet-stream",
            content=upload.content,
            file_path=f"documents/file_{number}.{suffix}",
        )
        self._files[stored.file_id] = stored
        return stored

    async def _edit_message_text(self, record: Recorded) -> JSONDict | bool:
        params = record.params
        text, entities = self._check_text(params.get("text"), params.get("parse_mode"))
        if params.get("entities") and not params.get("parse_mode"):
            entities = list(params["entities"])
        markup = self._check_reply_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        _, message = self._find_message(params, "message to edit not found")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        inline_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if (
            message.get("text") == text
            and message.get("entities", []) == entities
            and message.get("reply_markup") == inline_markup
        ):
            raise bad_request(NOT_MODIFIED_DESCRIPTION.removeprefix("Bad Request: "))
        message["text"] = text
        message.pop("entities", None)
        if entities:
            message["entities"] = entities
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        message.pop("reply_markup", None)
        if inline_markup is not None:
            message["reply_markup"] = inline_markup
        message["edit_date"] = int(self._wall_clock())
        return _copied(message)

    async def _edit_message_reply_markup(self, record: Recorded) -> JSONDict | bool:
        params = record.params
        markup = self._check_reply_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        _, message = self._find_message(params, "message to edit not found")
        inline_markup = markup if markup is not None and "inline_keyboard" in markup else None
        if message.get("reply_markup") == inline_markup:
            raise bad_request(NOT_MODIFIED_DESCRIPTION.removeprefix("Bad Request: "))
        message.pop("reply_markup", None)
        if inline_markup is not None:
            message["reply_markup"] = inline_markup
        message["edit_date"] = int(self._wall_clock())
        return _copied(message)

    async def _delete_message(self, record: Recorded) -> bool:
        chat, message = self._find_message(record.params, "message to delete not found")
        if self._wall_clock() - message["date"] > DELETE_WINDOW_SECONDS:
            raise bad_request("message can't be deleted for everyone")
        del self._messages[chat][message["message_id"]]
        return True

    async def _answer_callback_query(self, record: Recorded) -> bool:
        if not record.params.get("callback_query_id"):
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(record.params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        return True

    async def _send_chat_action(self, record: Recorded) -> bool:
        self._require_chat(record.params)
        if not record.params.get("action"):
            raise bad_request("wrong parameter action in request")
        return True

    async def _get_file(self, record: Recorded) -> JSONDict:
        stored = self._files.get(str(record.params.get("file_id", "")))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    # ---------------------------------------------------------------- bot settings

    async def _get_me(self, record: Recorded) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _true(self, record: Recorded) -> bool:
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        if not isinstance(scope, dict) or not scope:
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    async def _set_my_commands(self, record: Recorded) -> bool:
        params = record.params
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise bad_request("BOT_COMMANDS_TOO_MUCH")
        cleaned: list[JSONDict] = []
        for entry in commands:
            if not isinstance(entry, dict):
                raise bad_request("can't parse BotCommand")
            name = str(entry.get("command", "")).removeprefix("/")
            description = str(entry.get("description", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be non-empty")
            cleaned.append({"command": name, "description": description})
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, record: Recorded) -> list[JSONDict]:
        key = self._commands_key(record.params.get("scope"), record.params.get("language_code"))
        return copy.deepcopy(self._commands.get(key, []))

    async def _delete_my_commands(self, record: Recorded) -> bool:
        key = self._commands_key(record.params.get("scope"), record.params.get("language_code"))
        self._commands.pop(key, None)
        return True

    # ---------------------------------------------------------------- updates and webhook

    async def _get_updates(self, record: Recorded) -> list[JSONDict]:
        params = record.params
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT_DESCRIPTION)
        offset = _as_int(params, "offset", 0) or 0
        limit = min(100, max(1, _as_int(params, "limit", 100) or 100))
        try:
            timeout = max(0.0, float(params.get("timeout") or 0))
        except (TypeError, ValueError) as exc:
            raise bad_request('field "timeout" must be a valid Number') from exc
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed] or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify_updates()  # an older waiting poll is terminated
        self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = self._select(limit)
            if batch or self._closing.is_set():
                return batch
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            changed = self._updates_changed
            try:
                async with asyncio.timeout(remaining):
                    await changed.wait()
            except TimeoutError:
                return []
            if generation != self._poll_generation:
                raise ApiError(409, POLL_CONFLICT_DESCRIPTION)

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _select(self, limit: int) -> list[JSONDict]:
        if self._allowed_updates:
            allowed = set(self._allowed_updates)
            self._updates = [u for u in self._updates if _update_type(u) in allowed]
        else:
            self._updates = [
                u for u in self._updates if _update_type(u) not in DEFAULT_EXCLUDED_UPDATES
            ]
        return copy.deepcopy(self._updates[:limit])

    async def _set_webhook(self, record: Recorded) -> bool:
        params = record.params
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(kind) for kind in allowed] or None
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": _as_int(params, "max_connections", 40),
        }
        self._notify_updates()
        return True

    async def _delete_webhook(self, record: Recorded) -> bool:
        self.webhook = None
        if _as_bool(record.params.get("drop_pending_updates", False)):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, record: Recorded) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook:
            info["max_connections"] = self.webhook["max_connections"]
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info
