"""The contact form adapter names the bad field and never raises."""

from __future__ import annotations

import pytest

from channels.base import Rejected
from channels.messages import InboundMessage
from channels.portal.adapter import ContactSubmission, parse_submission

GOOD = ContactSubmission(
    "t" * 32, " Li Wei ", "Li.Wei@Shop.example", "Broken  lamp", " It flickers. "
)


def test_good_submission_becomes_an_email_identified_portal_message() -> None:
    message = parse_submission(GOOD)
    assert isinstance(message, InboundMessage)
    assert (message.channel, message.external_id) == ("portal", "portal:" + "t" * 32)
    assert (message.sender.kind, message.sender.address) == ("email", "li.wei@shop.example")
    assert message.sender.verified is False  # typed into a form: proves nothing yet
    assert (message.subject, message.text, message.sender.display_name) == (
        "Broken lamp",
        "It flickers.",
        "Li Wei",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"subject": "  "}, "subject"),
        ({"text": ""}, "message"),
        ({"text": "x" * 20_001}, "message"),
        ({"token": "short"}, "token"),
    ],
)
def test_bad_field_is_named(change: dict[str, str], field: str) -> None:
    result = parse_submission(ContactSubmission(**{**GOOD.__dict__, **change}))
    assert isinstance(result, Rejected)
    assert result.reason.startswith(f"{field}:")
