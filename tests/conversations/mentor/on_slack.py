"""Someone on Slack talking to the engine (no platform library), and services whose staff
are given Slack users: what the mentor and staff tests of sign-ups and profiles share."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.container import Services, build
from conversations.core import codec
from conversations.core.clock import FixedClock
from conversations.core.messages import Channel, Incoming, Kind
from conversations.core.response import Response
from storage.database import upgrade
from tests.conftest import make_settings

STAFF = "USTAFF1"
_ids = itertools.count(1)


@asynccontextmanager
async def with_staff(tmp_path: Path, clock: FixedClock, *staff: str) -> AsyncIterator[Services]:
    """Services on a fresh SQLite file whose staff are the Slack users `staff`."""
    settings = make_settings(
        f"sqlite+aiosqlite:///{tmp_path / 'slack.db'}", SLACK_STAFF_USERS=",".join(staff)
    )
    built = build(settings, clock)
    await upgrade(built.db)
    try:
        yield built
    finally:
        await built.close()


async def all_of(services: Services, model: type[Any]) -> list[Any]:
    async with services.sessions() as session:
        return list((await session.scalars(select(model))).all())


class Slack:
    """Someone on Slack talking to the engine; `text` is what the last replies read."""

    def __init__(self, services: Services, user: str) -> None:
        self.services = services
        self.user = user
        self.text = ""

    async def _send(self, incoming: Incoming) -> Response:
        response = await self.services.engine.handle(incoming)
        renderer = self.services.renderer
        self.text = "\n".join(renderer.render(r, Channel.SLACK).text for r in response.replies)
        return response

    async def command(self, text: str) -> Response:
        verb, _, args = text.partition(" ")
        return await self._send(
            Incoming(Channel.SLACK, self.user, Kind.COMMAND, text=text, command=verb, args=args,
                     event_id=f"command:{next(_ids)}")
        )  # fmt: skip

    async def submit(
        self, form: str, answers: Mapping[str, object], event_id: str | None = None
    ) -> Response:
        return await self._send(
            Incoming(Channel.SLACK, self.user, Kind.FORM, form=form, answers=dict(answers),
                     event_id=event_id or f"view:{next(_ids)}")
        )  # fmt: skip

    async def press(self, action: str, *ids: int, value: str = "") -> Response:
        return await self._send(
            Incoming(Channel.SLACK, self.user, Kind.CHOICE,
                     choice=codec.encode(action, *ids, value=value),
                     event_id=f"action:{next(_ids)}")
        )  # fmt: skip

    async def open_home(self) -> Response:
        return await self._send(Incoming(Channel.SLACK, self.user, Kind.OPENED, text="home"))
