"""The contact form adapter names the bad field and never raises."""

from __future__ import annotations

from dataclasses import replace

import pytest

from channels.base import Rejected
from channels.messages import InboundMessage
from channels.portal.adapter import ContactSubmission, PortalAdapter, parse_submission

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


def test_the_registered_adapter_parses_the_forms_payload() -> None:
    message = PortalAdapter().parse(GOOD.payload())
    assert isinstance(message, InboundMessage) and message.external_id == "portal:" + "t" * 32
    assert (message.subject, message.sender.address) == ("Broken lamp", "li.wei@shop.example")
    assert isinstance(PortalAdapter().parse(b"{}"), Rejected)


def test_a_lone_surrogate_is_refused_with_the_fields_name() -> None:
    result = parse_submission(replace(GOOD, text="broken \ud800"))
    assert result == Rejected("message: not valid Unicode text")
