"""The help centre's contact form, normalised into an InboundMessage.

Customers without an account write through the form. Anyone can type any address, so
the sender is unverified: the request is the sender's own until they confirm the address
by the link we mail them, and replies go out by email only after that.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from channels.base import Rejected
from channels.messages import InboundMessage, Sender

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


def parse_submission(form: ContactSubmission) -> InboundMessage | Rejected:
    """The message, or `Rejected` naming the first bad field."""
    try:
        address = validate_email(form.email.strip(), check_deliverability=False).normalized
    except EmailNotValidError as error:
        return Rejected(f"email: {error}")
    problems = [
        ("subject", not form.subject.strip(), "please say what it is about"),
        ("subject", len(form.subject) > MAX_SUBJECT, f"at most {MAX_SUBJECT} characters"),
        ("message", not form.text.strip(), "please describe your question"),
        ("message", len(form.text) > MAX_TEXT, f"at most {MAX_TEXT} characters"),
        ("token", len(form.token) < 16 or len(form.token) > 100, "reload the form and try again"),
    ]
    for field, failed, hint in problems:
        if failed:
            return Rejected(f"{field}: {hint}")
    return InboundMessage(
        channel="portal",
        external_id=f"portal:{form.token}",
        sender=Sender("email", address.lower(), form.name.strip()[:200] or None, verified=False),
        subject=" ".join(form.subject.split()),
        text=form.text.strip(),
    )
