"""Posting to Slack at most once per key, even when a job is retried.

Slack's `chat.postMessage` has no idempotency key. We claim the key in SQL before the
call and record the returned `ts` after it. A claim without a `ts` means an earlier
attempt died between the two (or its answer was lost): we then look for the post in
Slack by the key in its metadata before posting again. A call that Slack refused (an
error answer) releases the claim, since nothing was posted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any, TypeVar

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from channels.slack.api import SlackApi
from channels.slack.models import SlackPost

T = TypeVar("T")
WriteRunner = Callable[[Callable[[], T]], T]
# How far back to look for a post in doubt, before its claim time (clock skew).
SEARCH_MARGIN = timedelta(minutes=5)


def run_directly(work: Callable[[], T]) -> T:
    return work()


class PostLedger:
    """`post` = claim, call, record; see the module docstring."""

    def __init__(
        self, sessions: sessionmaker[Session], api: SlackApi, run_write: WriteRunner[Any]
    ) -> None:
        self._sessions, self._api, self._run_write = sessions, api, run_write

    def post(
        self,
        key: str,
        channel: str,
        text: str,
        *,
        thread_ts: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
    ) -> str:
        """The `ts` of the post for `key`: made now, or found made before."""
        claimed: SlackPost | None = self._run_write(lambda: self._claim(key, channel, thread_ts))
        if claimed is not None:
            if claimed.ts:
                return claimed.ts
            claimed_at = claimed.claimed_at
            # SQLite hands timezone-aware columns back naive; they were stored in UTC.
            claimed_at = claimed_at if claimed_at.tzinfo else claimed_at.replace(tzinfo=UTC)
            oldest = (claimed_at - SEARCH_MARGIN).timestamp()
            found = self._api.find_post(channel, thread_ts, key, oldest)
            if found:
                self._run_write(lambda: self._record(key, found))
                return found
        try:
            ts = self._api.post_message(channel, text, key=key, thread_ts=thread_ts, blocks=blocks)
        except SlackApiError:
            self._run_write(lambda: self._release(key))  # Slack said no: nothing was posted
            raise
        self._run_write(lambda: self._record(key, ts))
        return ts

    def _claim(self, key: str, channel: str, thread_ts: str | None) -> SlackPost | None:
        """None when the key is new (claimed now), else the earlier claim."""
        with self._sessions() as session:
            earlier = session.get(SlackPost, key)
            if earlier is not None:
                return earlier
            session.add(SlackPost(key=key, channel_id=channel, thread_ts=thread_ts))
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                return session.get(SlackPost, key)
        return None

    def _record(self, key: str, ts: str) -> None:
        with self._sessions() as session:
            row = session.get(SlackPost, key)
            if row is not None:
                row.ts = ts
                session.commit()

    def _release(self, key: str) -> None:
        with self._sessions() as session:
            row = session.get(SlackPost, key)
            if row is not None and not row.ts:
                session.delete(row)
                session.commit()

    def posted(self, key: str) -> bool:
        with self._sessions() as session:
            row = session.get(SlackPost, key)
            return row is not None and bool(row.ts)
