"""Factories for events and announcements: a webinar to come, youths and mentors of a
region, an announcement ready to send."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.container import Services
from conversations.staff import announcements
from conversations.staff import events as staff_events
from storage import people
from storage.events import Audience
from storage.models import Person, Role
from tests.fakes.mentoring import make_mentor, make_youth

STAFF = "USTAFF1"
TEMPLATE_FR = "Bonjour {{ first_name }} !\n« {{ title }} » : {{ when }}.\n{{ link }}"
TEMPLATE_EN = "Hello {{ first_name }}!\n“{{ title }}”: {{ when }}.\n{{ link }}"
_chats = itertools.count(610_000_001)
_slack = itertools.count(1)


def draft(now: datetime, **changes: Any) -> staff_events.EventDraft:
    """A webinar in three days, 18:00-19:00 Paris time (17:00 UTC in November)."""
    start = (now + timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0)
    values: dict[str, Any] = {
        "title": "Réussir son entretien",
        "kind": "webinar",
        "starts_at": start,
        "ends_at": start + timedelta(hours=1),
        "zone": "Europe/Paris",
        "link": "https://visio.example.org/entretien",
        "description": "Questions et réponses avec des recruteurs.",
    }
    values.update(changes)
    return staff_events.EventDraft(**values)


async def youth(
    session: AsyncSession,
    now: datetime,
    *,
    name: str = "Inès",
    region: str | None = "idf",
    locale: str = "fr",
    field: str = "Développement web",
    decision: str = "eligible",
) -> Person:
    """A youth who started the bot (a Telegram chat), of `region`."""
    chat = str(next(_chats))
    person = await make_youth(
        session, now, name=name, telegram_id=chat, field=field, decision=decision
    )
    person.region = region
    person.locale = locale
    await session.flush()
    return person


async def mentor(
    session: AsyncSession, now: datetime, *, name: str = "Claire", region: str = "idf"
) -> Person:
    """A mentor on Slack (sector IT) of `region`."""
    person = await make_mentor(session, now, f"UMENTOR{next(_slack):03d}", name=name)
    person.region = region
    await session.flush()
    return person


async def event_id(services: Services, **changes: Any) -> int:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        made = await staff_events.create_event(session, draft(now, **changes), staff=STAFF, now=now)
        return made.event.id


async def announcement_id(
    services: Services,
    event: int,
    audience: Audience | None = None,
    *,
    template_fr: str | None = TEMPLATE_FR,
    template_en: str | None = TEMPLATE_EN,
) -> int:
    now = services.clock.now()
    async with services.sessions() as session, session.begin():
        made = await announcements.create_announcement(
            session,
            event_id=event,
            audience=audience or Audience(roles=(Role.YOUTH, Role.MENTOR)),
            template_fr=template_fr,
            template_en=template_en,
            author=STAFF,
            now=now,
            zone=services.config.zone,
        )
        return made.id


async def chat_of(session: AsyncSession, person_id: int) -> str:
    identity = await people.first_identity(session, person_id)
    assert identity is not None
    assert identity.chat_id is not None
    return identity.chat_id
