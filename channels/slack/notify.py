"""Direct messages from the app to a desk user (a rep told about their customer)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from channels.slack.adapter import SlackAdapter

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
