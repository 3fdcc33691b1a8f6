"""Posts the app makes on its own: direct messages to a desk user (a rep told about their
customer) and campaign announcements in our channels."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from channels.base import ChannelNotConfigured, DeliveryRefused
from channels.slack.adapter import MAX_TEXT, PERMANENT_ERRORS, SlackAdapter

log = logging.getLogger(__name__)


def direct_message(
    adapter: SlackAdapter,
    *,
    agent_id: int,
    agent_email: str,
    key: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
) -> bool:
    """DM the agent's Slack user once per `key`; False when they have none on Slack.

    The mapped user first (an admin may have fixed it), else `users.lookupByEmail`, which
    only finds members of our own workspace.
    """
    if adapter.api is None or adapter.posts is None:
        return False
    user_id = adapter.directory.user_of_agent(agent_id) or adapter.api.lookup_by_email(agent_email)
    if user_id is None:
        return False
    try:
        channel = adapter.api.open_dm(user_id)
        adapter.posts.post(key, channel, text, blocks=blocks)
    except SlackApiError as error:
        log.warning("slack: DM to agent %s failed: %s", agent_id, error)
        return False
    return True


def announce(adapter: SlackAdapter, *, key: str, channel: str, text: str) -> str:
    """Post a campaign's announcement (Slack mrkdwn, the marketer's own markup) in one of
    our channels, once per `key`; its `ts`. `DeliveryRefused` when no retry can help."""
    if adapter.posts is None:
        raise ChannelNotConfigured("slack: no bot token")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]
    try:
        return adapter.posts.post(key, channel, text[:MAX_TEXT], blocks=blocks)
    except SlackApiError as error:
        code = str(error.response.get("error") or "")
        if code in PERMANENT_ERRORS:
            raise DeliveryRefused(f"slack: {code}") from error
        raise  # rate limits, Slack's own trouble: the job tries again
