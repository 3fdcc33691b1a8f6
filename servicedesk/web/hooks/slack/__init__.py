"""Slack's one endpoint (`POST /slack/events`) through slack_bolt's Flask adapter, and the
admin page of Slack users. Listeners parse Slack's payload and call the desk."""

from servicedesk.web.hooks.slack.admin import slack_admin
from servicedesk.web.hooks.slack.blueprint import slack

__all__ = ["slack", "slack_admin"]
