"""The Slack adapter: signed Events API payloads become `InboundMessage`s; replies are
`chat.postMessage` calls in the request's thread."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier

from channels.base import ChannelNotConfigured, DeliveryRefused, Ignored, ParseResult, Rejected
from channels.messages import AttachmentData, InboundMessage, OutboundMessage, Sender
from channels.slack.api import FileTooLarge, SlackApi
from channels.slack.directory import Directory, SlackProfile
from channels.slack.events import (
    SlackChange,
    SlackMessage,
    conversation_of,
    message_id,
    read_change,
    read_envelope,
    read_message,
)
from channels.slack.ledger import EventLedger
from channels.slack.posts import PostLedger
from channels.text import is_storable

log = logging.getLogger(__name__)
MAX_TEXT = 40_000  # Slack's own limit on a message's text
# Slack's request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
# older requests are refused, so a captured request cannot be replayed later.
MAX_AGE_SECONDS = 5 * 60
# chat.postMessage errors that no retry can fix (https://api.slack.com/methods/chat.postMessage).
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "msg_too_long",
        "no_text",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "missing_scope",
        "restricted_action",
    }
)


@dataclass(frozen=True)
class SlackSettings:
    """What the adapter needs from the configuration."""

    signing_secret: str
    channels: tuple[str, ...]
    attachment_max_bytes: int
    attachment_max_count: int
    file_hosts: tuple[str, ...] = ("files.slack.com",)


class SlackAdapter:
    """verify / parse / send for Slack, plus the channel's own needs (edits, posts, DMs)."""

    name = "slack"

    def __init__(
        self,
        settings: SlackSettings,
        api: SlackApi | None,
        directory: Directory,
        posts: PostLedger | None,
        events: EventLedger,
    ) -> None:
        self.settings, self.api, self.directory, self.posts = settings, api, directory, posts
        self.events = events
        self._verifier = SignatureVerifier(settings.signing_secret)

    def verify(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Slack's HMAC signature over `v0:timestamp:body`, at most five minutes old."""
        lower = {key.lower(): value for key, value in headers.items()}
        timestamp = lower.get("x-slack-request-timestamp", "")
        signature = lower.get("x-slack-signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > MAX_AGE_SECONDS:
            log.warning("slack: refused a request with a missing or stale timestamp")
            return False
        if not self._verifier.is_valid(body, timestamp, signature):
            log.warning("slack: refused a request whose signature does not verify")
            return False
        return True

    def parse(self, raw: bytes) -> ParseResult:
        """An `event_callback` with a person's new message in a support channel or a DM."""
        envelope = read_envelope(raw)
        if isinstance(envelope, Rejected):
            return envelope
        found = read_message(envelope, self.settings.channels)
        if not isinstance(found, SlackMessage):
            return found
        if len(found.text) > MAX_TEXT or not is_storable(found.text):
            return Rejected("slack: the text is too long or not valid Unicode")
        profile = self.directory.profile(found.user, found.workspace, _event_name(envelope))
        if profile.is_bot:
            return Ignored("slack: a bot's message")
        if profile.agent_id is not None:
            # An agent writing in a support thread is not a customer: the desk's replies
            # come from the console, so this message is not taken into the request.
            return Ignored("slack: a message from an agent")
        self.directory.link_customer(profile)
        return self._inbound(found, profile)

    def read_change(self, raw: bytes) -> SlackChange | None:
        """An edit or deletion event, or None for anything else."""
        envelope = read_envelope(raw)
        return None if isinstance(envelope, Rejected) else read_change(envelope)

    def _inbound(self, found: SlackMessage, profile: SlackProfile) -> InboundMessage:
        files, notes = self._files(found.files)
        text = "\n".join(part for part in (found.text.strip(), *notes) if part)
        references = (message_id(found.channel, found.thread_ts),) if found.thread_ts else ()
        return InboundMessage(
            channel="slack",
            external_id=found.external_id,
            sender=Sender("slack", profile.user_id, profile.name or None),
            text=text or "(attachment)",
            thread_key=found.thread_key,
            references=references,
            attachments=files,
            received_at=_moment(found.ts),
            extra={"slack_channel": found.channel, "slack_ts": found.ts},
        )

    def _files(
        self, shared: tuple[dict[str, Any], ...]
    ) -> tuple[tuple[AttachmentData, ...], list[str]]:
        """The shared files within the desk's limits, and a line for each one left out."""
        kept: list[AttachmentData] = []
        notes: list[str] = []
        limit = self.settings.attachment_max_bytes
        for item in shared:
            name = str(item.get("name") or item.get("title") or "file")[:300]
            url = item.get("url_private_download") or item.get("url_private")
            size = item.get("size")
            if len(kept) >= self.settings.attachment_max_count:
                notes.append(f"[file not kept: {name}: too many files]")
            elif isinstance(size, int) and size > limit:
                notes.append(f"[file not kept: {name}: over the {limit} byte limit]")
            elif not isinstance(url, str) or not self._may_fetch(url):
                notes.append(f"[file not kept: {name}: no download link]")
            else:
                content = self._download(url, limit)
                if content is None:
                    notes.append(f"[file not kept: {name}: download failed or too large]")
                    continue
                mimetype = str(item.get("mimetype") or "application/octet-stream")
                kept.append(AttachmentData(name, mimetype[:200], content))
        return tuple(kept), notes

    def _may_fetch(self, url: str) -> bool:
        # Only Slack's file host (or the stub's) gets our bot token.
        return self.api is not None and urlsplit(url).hostname in self.settings.file_hosts

    def _download(self, url: str, limit: int) -> bytes | None:
        assert self.api is not None
        try:
            return self.api.download(url, limit)
        except (OSError, FileTooLarge) as error:
            log.warning("slack: file %s not downloaded: %r", url, error)
            return None

    def send(self, message: OutboundMessage) -> str:
        """Post an agent's reply in the request's thread, once (see `PostLedger`)."""
        if self.posts is None or not message.thread_key:
            raise ChannelNotConfigured("slack: no bot token, or the request has no thread")
        channel, thread_ts = conversation_of(message.thread_key)
        blocks = reply_blocks(message.text, message.author_name, message.request_reference)
        try:
            ts = self.posts.post(
                f"reply:{message.message_id}",
                channel,
                escape(message.text),  # the notification text; the block shows it verbatim
                thread_ts=thread_ts,
                blocks=blocks,
            )
        except SlackApiError as error:
            code = str(error.response.get("error") or "")
            if code in PERMANENT_ERRORS:
                raise DeliveryRefused(f"slack: {code}") from error
            raise  # rate limits, Slack's own trouble: the job tries again
        return message_id(channel, ts)


def escape(text: str) -> str:
    """Slack reads &, < and > in message text as markup
    (https://api.slack.com/reference/surfaces/formatting#escaping): an agent's "a < b" must
    not turn into a link or a mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def reply_blocks(text: str, author: str | None, reference: str) -> list[dict[str, Any]]:
    """The reply as a section, with who wrote it and the request under it."""
    footer = f"{author} · {reference}" if author else reference
    return [
        {"type": "section", "text": {"type": "plain_text", "text": text[:3000]}},
        {"type": "context", "elements": [{"type": "plain_text", "text": footer}]},
    ]


def _event_name(envelope: dict[str, Any]) -> str:
    profile = envelope["event"].get("user_profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or ""
    return str(name) if isinstance(name, str) else ""


def _moment(ts: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(ts), UTC)
    except (ValueError, OverflowError):
        return datetime.now(UTC)
