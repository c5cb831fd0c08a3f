"""Who is staff in Slack: the users of SLACK_STAFF_USERS, or the members of its user group."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from conversations.core.messages import Channel

logger = logging.getLogger(__name__)


class SlackStaffDirectory:
    """The engine's `StaffDirectory` for Slack accounts (staff work in Slack and the CLI)."""

    def __init__(
        self,
        user_ids: frozenset[str],
        usergroup: str | None = None,
        client: AsyncWebClient | None = None,
    ) -> None:
        self._user_ids = user_ids
        self._usergroup = usergroup if client is not None else None
        self._client = client

    async def is_staff(self, channel: Channel, external_id: str) -> bool:
        if channel is not Channel.SLACK:
            return False
        if external_id in self._user_ids:
            return True
        if self._usergroup is None or self._client is None:
            return False
        try:
            response = await self._client.usergroups_users_list(usergroup=self._usergroup)
        except SlackApiError:
            logger.exception("cannot read the staff user group %s", self._usergroup)
            return False
        return external_id in (response.get("users") or [])
