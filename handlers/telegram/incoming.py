"""Telegram updates as platform-neutral `Incoming` events.

Private chats only: edits, group chats and channel posts are ignored. Every string of the
event is made storable here (`handlers.text`): a first name or a message holding a NUL
character reaches the engine without it.
"""

from __future__ import annotations

from telegram import ChatMemberUpdated, Update
from telegram.constants import ChatType, MessageEntityType

from conversations.core.messages import Channel, Incoming, Kind
from handlers.text import storable_incoming

__all__ = ["to_incoming"]


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
        return Incoming(
            Channel.TELEGRAM,
            external_id,
            Kind.UNSUPPORTED,
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
