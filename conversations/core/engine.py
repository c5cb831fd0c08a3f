"""The conversation engine: one incoming message in, replies out, state in the database.

Each handled message is one transaction: the platform event id is recorded (so a redelivery
changes nothing twice), the person and their conversation state are loaded, the message is
routed to a command or to the current flow step, and everything is committed together.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conversations.core.clock import Clock
from conversations.core.messages import Attachment, Choice, Incoming, Kind, Reply
from conversations.core.programme import NudgePolicy
from conversations.rules.eligibility import EligibilityRules
from storage import people
from storage.models import ConversationState, Person, Role

logger = logging.getLogger(__name__)

LOCALES = ("fr", "en")
# Longest typed answer we read; anything longer gets a kind "please be brief".
MAX_TEXT = 1000


@dataclass(frozen=True)
class ProgrammeConfig:
    """The programme settings flows need (built from `bot.settings.Settings`)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    default_locale: str = "fr"
    review_delay_days: int = 5
    pairing_delay_weeks: int = 3
    retention_days: int = 365
    nudges: NudgePolicy = field(default_factory=NudgePolicy)


@dataclass
class Turn:
    """Everything a flow step needs to handle one message."""

    session: AsyncSession
    incoming: Incoming
    person: Person
    state: ConversationState | None
    now: datetime
    rules: EligibilityRules
    config: ProgrammeConfig
    replies: list[Reply] = field(default_factory=list)

    @property
    def locale(self) -> str:
        return self.person.locale

    @property
    def today(self) -> date:
        """Today in the programme's time zone (ages are computed on this date)."""
        return self.now.astimezone(self.config.zone).date()

    def say(
        self,
        key: str,
        choices: tuple[Choice, ...] = (),
        columns: int = 1,
        attachment: Attachment | None = None,
        **context: object,
    ) -> None:
        self.replies.append(
            Reply(
                key=key,
                context=context,
                choices=choices,
                locale=self.locale,
                columns=columns,
                attachment=attachment,
            )
        )

    def typed_answer(self) -> str | None:
        """The text the person typed, trimmed; None (after saying why, kindly) for a sticker,
        an empty message or one too long to be an answer."""
        incoming = self.incoming
        if incoming.kind is not Kind.TEXT:
            self.say("common.unsupported")
            return None
        text = incoming.text.strip()
        if not text:
            self.say("common.empty")
            return None
        if len(text) > MAX_TEXT:
            self.say("common.too_long", limit=MAX_TEXT)
            return None
        return text


def pick_locale(language_code: str | None, default: str) -> str:
    """The bot's language from the platform's language code ("fr-FR" -> "fr")."""
    if language_code:
        short = language_code.split("-")[0].lower()
        if short in LOCALES:
            return short
    return default


class Engine:
    """Routes each incoming message to a command or the current flow step."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        rules: EligibilityRules,
        config: ProgrammeConfig,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        # SQLite has one writer at a time and its lock waits sleep: in the single process
        # it supports, queue transactions here instead (PostgreSQL needs no such thing).
        bind = sessions.kw.get("bind")
        self._serial: asyncio.Lock | None = (
            asyncio.Lock() if bind is not None and bind.dialect.name == "sqlite" else None
        )
        self._rules = rules
        self._config = config

    @property
    def rules(self) -> EligibilityRules:
        return self._rules

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Handle one message; returns what to say back (empty for a duplicate event)."""
        if self._serial is None:
            return await self._handle(incoming)
        async with self._serial:
            return await self._handle(incoming)

    async def _handle(self, incoming: Incoming) -> list[Reply]:
        from conversations.youth import account as youth

        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            if incoming.event_id is not None and not await people.mark_processed(
                session, incoming.channel, incoming.event_id, now
            ):
                logger.info("duplicate %s event %s ignored", incoming.channel, incoming.event_id)
                return []
            person = await people.find_by_identity(session, incoming.channel, incoming.external_id)
            if person is None:
                if incoming.kind in (Kind.BLOCKED, Kind.UNBLOCKED):
                    return []
                person = await people.create_person(
                    session,
                    role=Role.YOUTH,
                    channel=incoming.channel,
                    external_id=incoming.external_id,
                    chat_id=incoming.chat_id or incoming.external_id,
                    locale=pick_locale(incoming.language_code, self._config.default_locale),
                    now=now,
                )
            state = await people.get_state(session, person.id)
            turn = Turn(
                session=session,
                incoming=incoming,
                person=person,
                state=state,
                now=now,
                rules=self._rules,
                config=self._config,
            )
            await youth.on_message(turn)
            return turn.replies
