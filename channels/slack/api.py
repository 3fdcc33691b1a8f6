"""The few Slack Web API calls the channel makes, on slack_sdk's `WebClient`.

No automatic retries: a `chat.postMessage` retried after a lost response would post
twice, so retrying is left to the post ledger (`channels.slack.posts`), which checks first.
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

SLACK_API_URL = "https://slack.com/api/"
# Metadata on every post of ours, so a retry can find a post whose answer was lost.
POST_EVENT_TYPE = "servicedesk_post"


class FileTooLarge(ValueError):
    """A shared file is over the desk's attachment limit."""


@dataclass(frozen=True)
class SlackUserInfo:
    """What `users.info` says about a user; `email` only when Slack shows one."""

    user_id: str
    team_id: str | None
    name: str
    email: str | None
    email_confirmed: bool
    is_bot: bool


def make_client(token: str, base_url: str = SLACK_API_URL, timeout: int = 10) -> WebClient:
    """A Web API client without retry handlers (see the module docstring)."""
    url = base_url if base_url.endswith("/") else base_url + "/"
    return WebClient(token=token, base_url=url, timeout=timeout, retry_handlers=[])


class SlackApi:
    """The calls the adapter makes, each returning plain values."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._workspace: str | None = None

    def workspace(self) -> str | None:
        """Our own workspace's team id (`auth.test` of the bot token, asked once).

        Payloads name a team too, but in a shared channel that can be the other side's.
        """
        if self._workspace is None:
            try:
                self._workspace = str(self.client.auth_test()["team_id"])
            except (SlackApiError, KeyError):
                return None
        return self._workspace

    def user_info(self, user_id: str) -> SlackUserInfo | None:
        """The user, or None when Slack does not know them (or we may not see them)."""
        try:
            user = self.client.users_info(user=user_id)["user"]
        except SlackApiError:
            return None
        profile = user.get("profile") or {}
        name = (
            profile.get("display_name")
            or profile.get("real_name")
            or user.get("real_name")
            or user.get("name")
            or user_id
        )
        return SlackUserInfo(
            user_id=user_id,
            team_id=user.get("team_id"),
            name=str(name)[:200],
            email=profile.get("email"),
            # Slack sets is_email_confirmed on its users; an absent flag is no confirmation.
            email_confirmed=bool(user.get("is_email_confirmed")),
            is_bot=bool(user.get("is_bot")) or user_id == "USLACKBOT",
        )

    def post_message(
        self,
        channel: str,
        text: str,
        *,
        key: str,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        """Post and return the message's `ts`; `key` travels as the post's metadata."""
        response = self.client.chat_postMessage(
            channel=channel,
            text=text,
            thread_ts=thread_ts,
            blocks=blocks,
            metadata={"event_type": POST_EVENT_TYPE, "event_payload": {"key": key}},
            unfurl_links=False,
        )
        return str(response["ts"])

    def find_post(self, channel: str, thread_ts: str | None, key: str, oldest: float) -> str | None:
        """The `ts` of our post carrying `key`, if Slack has it (a lost answer's post)."""
        if thread_ts:
            response = self.client.conversations_replies(
                channel=channel, ts=thread_ts, oldest=str(oldest), include_all_metadata=True
            )
        else:
            response = self.client.conversations_history(
                channel=channel, oldest=str(oldest), include_all_metadata=True
            )
        for message in response.get("messages") or ():
            metadata = message.get("metadata") or {}
            if (metadata.get("event_payload") or {}).get("key") == key:
                return str(message["ts"])
        return None

    def open_dm(self, user_id: str) -> str:
        """The id of the app's direct-message channel with a user."""
        return str(self.client.conversations_open(users=user_id)["channel"]["id"])

    def lookup_by_email(self, email: str) -> str | None:
        try:
            return str(self.client.users_lookupByEmail(email=email)["user"]["id"])
        except SlackApiError:
            return None

    def download(self, url: str, limit: int) -> bytes:
        """A file's bytes (bot token in the header, as Slack's file URLs require)."""
        request = urllib.request.Request(  # noqa: S310 - the URL is Slack's, from a signed event
            url, headers={"Authorization": f"Bearer {self.client.token}"}
        )
        with urllib.request.urlopen(request, timeout=self.client.timeout) as response:  # noqa: S310
            content: bytes = response.read(limit + 1)
        if len(content) > limit:
            raise FileTooLarge(url)
        return content
