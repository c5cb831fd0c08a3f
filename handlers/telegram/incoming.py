"""Telegram updates as platform-neutral `Incoming` events.

Private chats only: edits, group chats and channel posts are ignored. Every string of the
event is made storable here (`handlers.text`): a first name or a message holding a NUL
character reaches the engine without it.

A document or a photo is a `Kind.FILE` event whose text is its caption; a file too large
or of a type we do not pass on is refused here, from what the update says (nothing is
downloaded). The others are downloaded by the application (`file_to_download`, then
`TelegramBot`) just before the engine sees the event. A sticker, a voice note, a video, a
location... are `Kind.UNSUPPORTED`, their text saying which.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import ChatMemberUpdated, Message, Update
from telegram.constants import ChatType, MessageEntityType

from conversations.core.messages import Channel, Incoming, Kind
from handlers import files
from handlers.text import storable_incoming

__all__ = ["TelegramFile", "file_to_download", "to_incoming"]

# a photo comes without a name: its largest size is sent on as this
PHOTO_NAME = "photo.jpg"
# what cannot be passed on, as `Kind.UNSUPPORTED` names it (the first one present)
_UNSUPPORTED = (
    ("sticker", "sticker"),
    ("voice", "voice"),
    ("animation", "video"),
    ("video", "video"),
    ("video_note", "video"),
    ("audio", "audio"),
    ("location", "location"),
    ("venue", "location"),
    ("contact", "contact"),
    ("poll", "poll"),
)


@dataclass(frozen=True)
class TelegramFile:
    """A document or photo to download: its file id, the name and type it is passed on
    with."""

    file_id: str
    name: str
    mime_type: str
    size: int | None = None


def file_to_download(update: Update) -> TelegramFile | None:
    """The file a message brings, when it is one we may take (None otherwise)."""
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return None
    found = _file_of(message)
    if found is None or files.refusal(found.name, found.mime_type, found.size):
        return None
    return found


def _file_of(message: Message) -> TelegramFile | None:
    """The document or largest photo size of a message, whatever its type or size."""
    if message.animation is not None:
        return None  # a GIF comes as a document too: it is a video to us
    document = message.document
    if document is not None:
        name = files.safe_filename(document.file_name or "", fallback="document")
        mime = files.mime_type(name, document.mime_type) or (document.mime_type or "")
        return TelegramFile(document.file_id, name, mime, document.file_size)
    if message.photo:
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        return TelegramFile(largest.file_id, PHOTO_NAME, "image/jpeg", largest.file_size)
    return None


def to_incoming(update: Update) -> Incoming | None:
    """The platform-neutral event behind an update, or None for what we ignore (edits,
    group chats, channel posts)."""
    incoming = _read(update)
    return storable_incoming(incoming) if incoming is not None else None


def _read(update: Update) -> Incoming | None:
    event_id = str(update.update_id)
    member = update.my_chat_member
    if member is not None:
        return _membership(member, event_id)
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message is not None else None
        if chat is not None and chat.type != ChatType.PRIVATE:
            return None
        user = query.from_user
        return Incoming(
            Channel.TELEGRAM,
            str(user.id),
            Kind.CHOICE,
            choice=query.data or "",
            event_id=event_id,
            chat_id=str(chat.id) if chat is not None else str(user.id),
            language_code=user.language_code,
            display_name=user.first_name,
        )
    message = update.message
    if message is None or message.from_user is None or message.chat.type != ChatType.PRIVATE:
        return None
    user = message.from_user
    external_id, chat_id = str(user.id), str(message.chat.id)
    text = message.text
    if text is None:
        found = _file_of(message)
        if found is not None:
            return Incoming(
                Channel.TELEGRAM,
                external_id,
                Kind.FILE,
                text=message.caption or "",
                event_id=event_id,
                chat_id=chat_id,
                language_code=user.language_code,
                display_name=user.first_name,
                file_refused=files.refusal(found.name, found.mime_type, found.size),
            )
        what = next((name for field, name in _UNSUPPORTED if getattr(message, field)), "other")
        return Incoming(
            Channel.TELEGRAM,
            external_id,
            Kind.UNSUPPORTED,
            text=what,
            event_id=event_id,
            chat_id=chat_id,
            language_code=user.language_code,
            display_name=user.first_name,
        )
    entity = message.entities[0] if message.entities else None
    if entity is not None and entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0:
        return Incoming(
            Channel.TELEGRAM,
            external_id,
            Kind.COMMAND,
            text=text,
            command=text[1 : entity.length].split("@", 1)[0],
            args=text[entity.length :].strip(),
            event_id=event_id,
            chat_id=chat_id,
            language_code=user.language_code,
            display_name=user.first_name,
        )
    return Incoming(
        Channel.TELEGRAM,
        external_id,
        Kind.TEXT,
        text=text,
        event_id=event_id,
        chat_id=chat_id,
        language_code=user.language_code,
        display_name=user.first_name,
    )


def _membership(member: ChatMemberUpdated, event_id: str) -> Incoming | None:
    """`my_chat_member`: the person blocked (kicked, left) or unblocked the bot."""
    if member.chat.type != ChatType.PRIVATE:
        return None
    status = member.new_chat_member.status
    kind = Kind.BLOCKED if status in ("kicked", "left") else Kind.UNBLOCKED
    return Incoming(Channel.TELEGRAM, str(member.from_user.id), kind, event_id=event_id)
