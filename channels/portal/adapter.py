"""The help centre's forms, normalised into an InboundMessage.

Customers without an account write through the contact form. Anyone can type any
address, so the sender is unverified: the request is the sender's own until they confirm
the address by the link we mail them, and replies go out by email only after that.

A signed-in customer's new request or reply (`AccountPost`) comes from an address they
proved by a sign-in link: the web layer builds that payload from its own session, never
from what the browser sent, so the sender is verified.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from email_validator import EmailNotValidError, validate_email

from channels.base import DeliveryRefused, ParseResult, Rejected
from channels.messages import InboundMessage, OutboundMessage, Sender
from channels.text import is_storable

MAX_SUBJECT = 200
MAX_TEXT = 20_000


@dataclass(frozen=True)
class ContactSubmission:
    """What the form posted; `token` is issued with the form and makes a resubmit a no-op."""

    token: str
    name: str
    email: str
    subject: str
    text: str

    def payload(self) -> bytes:
        """The raw form `PortalAdapter.parse` reads."""
        return json.dumps(asdict(self)).encode()


class PortalAdapter:
    """verify / parse / send for the contact form; replies go out by email, not here."""

    name = "portal"

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        # The form is the desk's own page, guarded by its CSRF token in the web layer.
        return True

    def parse(self, raw: bytes) -> ParseResult:
        """A JSON object of `ContactSubmission`'s or `AccountPost`'s fields."""
        try:
            fields = json.loads(raw)
            if isinstance(fields, dict) and fields.get("kind") == AccountPost.kind:
                return parse_account_post(AccountPost.from_fields(fields))
            form = ContactSubmission(**{k: str(fields[k]) for k in _FIELDS})
        except (ValueError, KeyError, TypeError):
            return Rejected("not a help centre form payload")
        return parse_submission(form)

    def send(self, message: OutboundMessage) -> str:
        raise DeliveryRefused("the help centre has no inbox: replies to it go out by email")


_FIELDS = ("token", "name", "email", "subject", "text")


@dataclass(frozen=True)
class AccountPost:
    """A signed-in customer's new request (`request_id` None) or reply to one of theirs."""

    kind = "account"
    token: str
    name: str
    email: str
    subject: str
    text: str
    request_id: int | None = None

    def payload(self) -> bytes:
        return json.dumps({"kind": self.kind, **asdict(self)}).encode()

    @classmethod
    def from_fields(cls, fields: dict[str, object]) -> AccountPost:
        request_id = fields.get("request_id")
        if request_id is not None and not isinstance(request_id, int):
            raise TypeError("request_id")
        token, name, email, subject, text = (str(fields[k]) for k in _FIELDS)
        return cls(token, name, email, subject, text, request_id=request_id)


def _first_problem(
    form: ContactSubmission | AccountPost, *, subject_needed: bool, empty_text: str
) -> Rejected | None:
    """`Rejected` naming the first bad field of either form, or None."""
    for name in _FIELDS:
        if not is_storable(getattr(form, name)):
            return Rejected(f"{'message' if name == 'text' else name}: not valid Unicode text")
    problems = [
        ("subject", subject_needed and not form.subject.strip(), "please say what it is about"),
        ("subject", len(form.subject) > MAX_SUBJECT, f"at most {MAX_SUBJECT} characters"),
        ("message", not form.text.strip(), empty_text),
        ("message", len(form.text) > MAX_TEXT, f"at most {MAX_TEXT} characters"),
        ("token", len(form.token) < 16 or len(form.token) > 100, "reload the form and try again"),
    ]
    for field, failed, hint in problems:
        if failed:
            return Rejected(f"{field}: {hint}")
    return None


def parse_account_post(post: AccountPost) -> InboundMessage | Rejected:
    """The message of a signed-in customer; the desk checks they may add to the request."""
    problem = _first_problem(
        post, subject_needed=post.request_id is None, empty_text="please write your message"
    )
    if problem is not None:
        return problem
    extra = {"request_id": str(post.request_id)} if post.request_id is not None else {}
    return InboundMessage(
        channel="portal",
        external_id=f"portal:{post.token}",
        sender=Sender("email", post.email.lower(), post.name.strip()[:200] or None),
        subject=" ".join(post.subject.split()) or None,
        text=post.text.strip(),
        extra=extra,
    )


def parse_submission(form: ContactSubmission) -> InboundMessage | Rejected:
    """The message, or `Rejected` naming the first bad field."""
    problem = _first_problem(form, subject_needed=True, empty_text="please describe your question")
    if problem is not None:
        return problem
    try:
        address = validate_email(form.email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        return Rejected(f"email: {error}")
    return InboundMessage(
        channel="portal",
        external_id=f"portal:{form.token}",
        sender=Sender("email", address.lower(), form.name.strip()[:200] or None, verified=False),
        subject=" ".join(form.subject.split()),
        text=form.text.strip(),
    )
