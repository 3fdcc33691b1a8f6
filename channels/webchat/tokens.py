"""Signed visitor tokens: the widget keeps one in the browser to find its conversation again."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

SALT = "webchat-visitor-v1"
# A visitor who comes back within a year finds the conversation again.
MAX_AGE_SECONDS = 365 * 24 * 3600


@dataclass(frozen=True)
class Visitor:
    """Who is on the other end of the widget: a stable visitor id and its conversation."""

    visitor_id: str
    conversation_id: str


class VisitorTokens:
    """Issues and reads tamper-proof visitor tokens keyed from the app secret."""

    def __init__(self, secret_key: str, max_age: int = MAX_AGE_SECONDS) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
        self._max_age = max_age

    def new_visitor(self) -> Visitor:
        return Visitor(f"v-{secrets.token_urlsafe(12)}", f"c-{secrets.token_urlsafe(12)}")

    def issue(self, visitor: Visitor) -> str:
        return str(self._serializer.dumps([visitor.visitor_id, visitor.conversation_id]))

    def read(self, token: object) -> Visitor | None:
        """The visitor a token names, or None when it is forged, expired or malformed."""
        if not isinstance(token, str) or len(token) > 500:
            return None
        try:
            data = self._serializer.loads(token, max_age=self._max_age)
        except BadSignature:
            return None
        if not (
            isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)
        ):
            return None
        return Visitor(data[0], data[1])
