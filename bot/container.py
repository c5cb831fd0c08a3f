"""The composition root: builds every part of Mentorbot from the settings (the engine and
its routers, the renderer, the platforms' adapters, the scheduler).

Nothing here runs at import; each function builds what it is asked for. `bot.runtime` runs
what is built.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine as SyncEngine
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.i18n import TemplateRenderer
from bot.metrics import MeasuredTicks, Metrics
from bot.settings import Settings
from conversations.core.clock import Clock, SystemClock
from conversations.core.engine import Engine, Router
from conversations.core.messages import Channel, Sender
from conversations.core.programme import ProgrammeConfig
from conversations.mentor.router import MentorRouter
from conversations.pairs import relay
from conversations.rules.eligibility import EligibilityRules, load_rules
from conversations.rules.matching import matching_rules
from conversations.staff.router import StaffRouter
from conversations.youth.router import YouthRouter
from handlers.slack import SlackBot, SlackSender, SlackStaffDirectory, build_client, create_bot
from scheduler import leadership
from scheduler.dispatcher import Dispatcher, DispatchPolicy
from scheduler.pacing import Pacer
from scheduler.service import Scheduler
from scheduler.ticks import Ticks
from storage.database import create_engine, create_inline_engine, create_sessions

logger = logging.getLogger(__name__)


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
    # SQLite: the engine's own connections, whose statements run on the event loop
    inbound_db: SyncEngine | None = None

    async def close(self) -> None:
        if self.inbound_db is not None:
            self.inbound_db.dispose()
        await self.db.dispose()


def programme_config(settings: Settings) -> ProgrammeConfig:
    return ProgrammeConfig(
        zone=settings.zone,
        default_locale=settings.default_locale,
        review_delay_days=settings.review_delay_days,
        pairing_delay_weeks=settings.pairing_delay_weeks,
        retention=settings.retention,
        resume_after_days=settings.resume_after_days,
        nudges=settings.nudges,
        send_rates={
            "telegram": settings.telegram_messages_per_second,
            "slack": settings.slack_messages_per_second,
        },
        throttle_per_minute=settings.throttle_per_minute,
        throttle_pause_minutes=settings.throttle_pause_minutes,
        matching_file=settings.matching_file,
    )


def dispatcher(services: Services, senders: Mapping[str, Sender]) -> Dispatcher:
    """The outbox dispatcher with the settings' sending hours, budget and pacing."""
    settings = services.settings
    pacers = {
        "telegram": Pacer(
            settings.telegram_messages_per_second, settings.telegram_chat_messages_per_second
        ),
        "slack": Pacer(
            settings.slack_messages_per_second, settings.slack_channel_messages_per_second
        ),
    }
    policy = DispatchPolicy(
        window=settings.window, zone=settings.zone, daily_budget=settings.daily_budget
    )
    return Dispatcher(
        services.sessions,
        senders,
        services.clock,
        policy=policy,
        pacers={channel: pacers[channel] for channel in senders if channel in pacers},
        # a relayed message that cannot arrive: its writer is told, staff get a case
        on_undeliverable=relay.on_undeliverable(services.config),
    )


def build_scheduler(
    services: Services, senders: Mapping[str, Sender], metrics: Metrics | None = None
) -> Scheduler:
    """The periodic ticks (what is due) and the outbox dispatch, from the settings; on
    PostgreSQL one replica at a time dispatches each platform (an advisory lock). With
    `metrics`, each tick's duration is measured."""
    labels = TemplateLabels(services.renderer)
    ticks = (
        MeasuredTicks(services.sessions, services.config, labels, metrics=metrics)
        if metrics is not None
        else Ticks(services.sessions, services.config, labels)
    )
    return Scheduler(
        ticks,
        dispatcher(services, senders) if senders else None,
        services.clock,
        tick_seconds=services.settings.tick_seconds,
        dispatch_seconds=services.settings.dispatch_seconds,
        leadership=leadership.for_database(services.db) if senders else None,
    )


class TemplateLabels:
    """The engine's `Labels`: a template's plain text, for data shown rather than said."""

    def __init__(self, renderer: TemplateRenderer) -> None:
        self._renderer = renderer
        self._keys = {locale: renderer.keys(locale) for locale in ("fr", "en")}

    def label_of(self, key: str, locale: str) -> str | None:
        if key not in self._keys.get(locale, set()):
            return None
        return self._renderer.text(key, locale, Channel.CONSOLE).strip() or None


def routers() -> dict[Channel, tuple[Router, ...]]:
    """Which role routers see each channel's events, first claimant first."""
    youth = YouthRouter()
    return {
        Channel.TELEGRAM: (youth,),
        Channel.CONSOLE: (youth,),
        Channel.SLACK: (StaffRouter(), MentorRouter()),
    }


def staff_directory(settings: Settings) -> SlackStaffDirectory:
    """Staff: the Slack users of SLACK_STAFF_USERS, or the members of its user group."""
    client = None
    if settings.staff_usergroup is not None and settings.slack_bot_token is not None:
        client = build_client(
            settings.slack_bot_token.get_secret_value(),
            settings.slack_api_url,
            retry_on_rate_limit=True,
        )
    return SlackStaffDirectory(settings.staff_user_ids, settings.staff_usergroup, client)


def build(settings: Settings, clock: Clock | None = None) -> Services:
    """Build the services (no connection is opened until first use)."""
    clock = clock or SystemClock()
    db = create_engine(settings.database_url)
    sessions = create_sessions(db)
    rules = load_rules(settings.rules_file)
    # a wrong weights file is said at start (MatchingError), not at the first suggestion
    matching_rules(settings.matching_file)
    config = programme_config(settings)
    renderer = TemplateRenderer(settings.templates_dir, settings.zone)
    inline = create_inline_engine(settings.database_url)
    engine = Engine(
        create_sessions(inline) if inline is not None else sessions,
        clock,
        rules,
        config,
        routers(),
        staff_directory(settings),
        TemplateLabels(renderer),
    )
    return Services(
        settings=settings,
        clock=clock,
        db=db,
        sessions=sessions,
        rules=rules,
        config=config,
        renderer=renderer,
        engine=engine,
        inbound_db=inline,
    )


def build_slack(services: Services) -> tuple[SlackBot, SlackSender]:
    """The Bolt app and the outbox sender, from the settings."""
    settings = services.settings
    if settings.slack_bot_token is None:
        raise ValueError("SLACK_BOT_TOKEN is not set")
    token = settings.slack_bot_token.get_secret_value()
    secret = settings.slack_signing_secret
    # Socket Mode requests come over an authenticated socket, not signed HTTP
    signing_secret = (
        secret.get_secret_value()
        if secret is not None and settings.slack_app_token is None
        else None
    )
    bot = create_bot(
        services.engine,
        build_client(token, settings.slack_api_url, retry_on_rate_limit=True),
        services.renderer,
        signing_secret=signing_secret,
        default_locale=settings.default_locale,
        staff_channel=settings.slack_staff_channel,
    )
    sender = SlackSender(
        build_client(token, settings.slack_api_url, retry_on_rate_limit=False),
        bot.view,
        services.clock,
        settings.slack_staff_channel,
        publish_home=bot.publish_home,
    )
    return bot, sender
