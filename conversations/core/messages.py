"""Platform-neutral messages: what a person sent (`Incoming`) and what the bot says (`Reply`).

Adapters in `handlers/` translate platform updates into `Incoming` and render `Reply` objects
into inline keyboards (Telegram), Block Kit (Slack) or numbered options (console).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Channel(StrEnum):
    """Where a person talks to the bot."""

    TELEGRAM = "telegram"
    SLACK = "slack"
    CONSOLE = "console"


class Kind(StrEnum):
    """What sort of message arrived."""

    TEXT = "text"
    COMMAND = "command"
    CHOICE = "choice"
    # a sticker, voice note, video, location...: anything we can neither read nor pass on;
    # `text` says what it was ("sticker", "voice"...) when the adapter knows
    UNSUPPORTED = "unsupported"
    # a document or photo: downloaded into `files`, or refused (`file_refused` says why);
    # `text` is its caption
    FILE = "file"
    # the person blocked the bot (Telegram `my_chat_member` kicked)
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"
    # a form (Slack modal) submitted: `form`, `answers`, `metadata`
    FORM = "form"
    # something the person opened rather than said (Slack's App Home tab): `text` says what
    OPENED = "opened"


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (e.g. the `/mydata` JSON export)."""

    filename: str
    content: bytes
    mime_type: str = "application/json"


@dataclass(frozen=True)
class Incoming:
    """One thing a person did: typed text, a command, pressed a button, sent a sticker."""

    channel: Channel
    external_id: str
    kind: Kind
    text: str = ""
    command: str = ""
    args: str = ""
    choice: str = ""
    # platform id used to process a redelivered event only once (Telegram update_id...)
    event_id: str | None = None
    # where to answer; for Telegram private chats the chat id equals the user id
    chat_id: str | None = None
    language_code: str | None = None
    display_name: str | None = None
    # a submitted form: its name, the answers (field -> str, list[str], date, bool or None)
    # and the ids it was opened with
    form: str = ""
    answers: Mapping[str, object] = field(default_factory=dict)
    metadata: Mapping[str, object] = field(default_factory=dict)
    # Slack: the trigger a modal needs (valid about 3 s), the thread a message was posted in
    trigger_id: str | None = None
    thread: str | None = None
    # files sent with the message, downloaded by the adapter (a CV...), and why a file that
    # came with it could not be taken ("too_large", "unsupported_type", "download_failed")
    files: tuple[Attachment, ...] = ()
    file_refused: str = ""


@dataclass(frozen=True)
class Choice:
    """A button: `label_key` is a template key, `value` the compact data sent back."""

    label_key: str
    value: str
    label_context: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """Something the bot says: a template key and its context, rendered by the adapter."""

    key: str
    context: Mapping[str, Any] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    locale: str = "fr"
    # buttons per row when rendered as a keyboard
    columns: int = 1
    attachment: Attachment | None = None
    # Slack: post in this thread (the `ts` of its first message)
    thread: str | None = None
    # Slack: replace the message posted earlier with this `ts` instead of posting a new one
    # (a sending's progress, updated as it goes)
    edit: str | None = None


class SendStatus(StrEnum):
    """How sending one proactive message went."""

    SENT = "sent"
    # try again later (rate limit, server error); `retry_after` says when
    RETRY = "retry"
    # a document or photo: downloaded into `files`, or refused (`file_refused` says why);
    # `text` is its caption
    FILE = "file"
    # the person blocked the bot or never started it: do not retry
    UNDELIVERABLE = "undeliverable"
    # a timeout or network error: the message may or may not have arrived
    IN_DOUBT = "in_doubt"


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    retry_after: float | None = None
    error: str | None = None
    # sent: where it landed and the platform's id of the message (a Slack DM's channel id
    # and `ts`, a Telegram chat id and message id)
    chat: str | None = None
    ref: str | None = None


class Sender(Protocol):
    """A platform's way to send a proactive message (implemented in `handlers/`)."""

    async def send(self, chat_id: str, reply: Reply) -> SendResult: ...


@dataclass(frozen=True)
class Rendered:
    """A reply turned into text and button rows for one channel."""

    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()


class Renderer(Protocol):
    """Turns a `Reply` into text for a channel (implemented in `bot.i18n`)."""

    def render(self, reply: Reply, channel: Channel) -> Rendered: ...


class Labels(Protocol):
    """Readable words for codes (a template key's plain text), for places that show data
    rather than say something (the `/mydata` export); implemented in `bot`."""

    def label_of(self, key: str, locale: str) -> str | None:
        """The plain text of template `key`, or None when there is no such template."""
        ...


class FieldKind(StrEnum):
    """What sort of answer a form field takes."""

    SINGLE = "single"  # one of the options
    MULTI = "multi"  # any of the options
    TEXT = "text"  # free text (multi-line)
    DATE = "date"
    DATETIME = "datetime"  # a day and a time (answered as an aware datetime)
    FLAG = "flag"  # a single checkbox


@dataclass(frozen=True)
class FormField:
    """One question of a form; `label_key` and the options' label keys are template keys."""

    name: str
    kind: FieldKind
    label_key: str
    options: tuple[Choice, ...] = ()
    required: bool = True
    max_length: int | None = None
    initial: Any = None


@dataclass(frozen=True)
class Form:
    """Several questions answered at once (a Slack modal); `metadata` holds ids, never data.

    The answers come back as a mapping of field name to `str`, `list[str]`, `date`, `bool`
    or None, and are validated by the flow that asked (errors are template keys per field).
    """

    name: str
    title_key: str
    submit_key: str
    fields: tuple[FormField, ...]
    locale: str = "fr"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    intro: Reply | None = None
