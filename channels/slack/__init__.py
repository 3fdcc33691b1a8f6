"""The Slack channel: support conversations in channels and DMs, replies in their threads.

`build_adapter` wires the adapter from settings; the Bolt app (commands, buttons,
modals) lives in the web layer (`servicedesk.web.hooks.slack`), which calls this package.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session, sessionmaker

from channels.slack.adapter import SlackAdapter, SlackSettings
from channels.slack.api import SLACK_API_URL, SlackApi, make_client
from channels.slack.directory import AgentByEmail, Directory
from channels.slack.ledger import EventLedger
from channels.slack.posts import PostLedger, WriteRunner


def build_adapter(
    settings: SlackSettings,
    sessions: sessionmaker[Session],
    run_write: WriteRunner[Any],
    agent_by_email: AgentByEmail,
    *,
    token: str | None,
    api_url: str = SLACK_API_URL,
) -> SlackAdapter:
    """The adapter; without a token it still parses (the demo) but cannot post."""
    api = SlackApi(make_client(token, api_url)) if token else None
    if api is not None:
        host = urlsplit(api_url).hostname
        hosts = settings.file_hosts if host in (None, "slack.com") else (*settings.file_hosts, host)
        settings = replace(settings, file_hosts=hosts)
    directory = Directory(sessions, api, run_write, agent_by_email)
    posts = PostLedger(sessions, api, run_write) if api is not None else None
    return SlackAdapter(settings, api, directory, posts, EventLedger(sessions, run_write))


__all__ = ["SlackAdapter", "SlackSettings", "build_adapter"]
