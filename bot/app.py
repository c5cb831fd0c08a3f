"""The composition root: builds every part of Mentorbot from the settings.

Nothing here runs at import; each function builds what it is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import TemplateRenderer
from bot.settings import Settings
from conversations.clock import Clock, SystemClock
from conversations.eligibility import EligibilityRules, load_rules
from conversations.engine import Engine, ProgrammeConfig
from storage.database import create_engine, create_sessions


@dataclass
class Services:
    """Everything built from the settings, shared by the adapters and the CLI."""

    settings: Settings
    clock: Clock
    db: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    rules: EligibilityRules
    config: ProgrammeConfig
    renderer: TemplateRenderer
    engine: Engine

    async def close(self) -> None:
        await self.db.dispose()


def programme_config(settings: Settings) -> ProgrammeConfig:
    return ProgrammeConfig(
        zone=settings.zone,
        default_locale=settings.default_locale,
        review_delay_days=settings.review_delay_days,
        pairing_delay_weeks=settings.pairing_delay_weeks,
        retention_days=settings.retention_days,
    )


def build(settings: Settings, clock: Clock | None = None) -> Services:
    """Build the services (no connection is opened until first use)."""
    clock = clock or SystemClock()
    db = create_engine(settings.database_url)
    sessions = create_sessions(db)
    rules = load_rules(settings.rules_file)
    config = programme_config(settings)
    renderer = TemplateRenderer(settings.templates_dir, settings.zone)
    engine = Engine(sessions, clock, rules, config)
    return Services(
        settings=settings,
        clock=clock,
        db=db,
        sessions=sessions,
        rules=rules,
        config=config,
        renderer=renderer,
        engine=engine,
    )
