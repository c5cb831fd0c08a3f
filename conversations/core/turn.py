"""One handled event as the flows see it (`Turn`): who, what, where they stand, what to say."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from babel import Locale, negotiate_locale
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core.actor import Actor
from conversations.core.messages import Attachment, Choice, Incoming, Kind, Labels, Reply
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import Response
from conversations.rules.eligibility import EligibilityRules
from storage.models import ConversationState, Person

LOCALES = ("fr", "en")
# Longest typed answer we read; anything longer gets a kind "please be brief".
MAX_TEXT = 1000


def pick_locale(language_code: str | None, default: str) -> str:
    """The bot's language from the platform's language code ("fr-FR", "en_GB" -> "fr", "en"),
    negotiated by babel; `default` when it is neither French nor English."""
    if not language_code:
        return default
    try:
        wanted = Locale.parse(language_code.replace("-", "_")).language
    except (ValueError, TypeError):
        return default
    return negotiate_locale([wanted], list(LOCALES)) or default


@dataclass
class Turn:
    """Everything a flow step needs to handle one event."""

    session: AsyncSession
    incoming: Incoming
    actor: Actor
    state: ConversationState | None
    now: datetime
    rules: EligibilityRules
    config: ProgrammeConfig
    response: Response = field(default_factory=Response)
    labels: Labels | None = None

    @property
    def person(self) -> Person:
        """The person talking; the engine routes to a flow only when there is one."""
        if self.actor.person is None:
            raise LookupError("no person behind this event")
        return self.actor.person

    @property
    def replies(self) -> list[Reply]:
        return self.response.replies

    @property
    def locale(self) -> str:
        person = self.actor.person
        return person.locale if person is not None else self.config.default_locale

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
        self.response.say(
            key, self.locale, choices, columns=columns, attachment=attachment, **context
        )

    def label(self, key: str) -> str | None:
        """The readable words of a template key in the person's language (None if unknown)."""
        return self.labels.label_of(key, self.locale) if self.labels is not None else None

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
