import pytest

from servicedesk.desk.routing.language import detect_language
from servicedesk.desk.routing.rules import (
    DEFAULT_RULES,
    Condition,
    Rule,
    evaluate_rules,
    rule_from_dict,
)


def test_first_matching_rule_decides_each_field():
    rules = [
        Rule("vip", (Condition("customer.vip", "is_true"),), priority="high"),
        Rule(
            "acme",
            (Condition("sender_domain", "equals", "acme.com"),),
            team="Key accounts",
            priority="low",
        ),
    ]
    outcome = evaluate_rules(rules, {"customer.vip": True, "sender_domain": "ACME.com"})
    assert outcome.values == {"priority": "high", "team": "Key accounts"}
    assert outcome.set_by == {"priority": "vip", "team": "acme"}


def test_all_conditions_must_hold():
    rule = Rule(
        "chat outage",
        (Condition("channel", "in", ["chat", "slack"]), Condition("text", "matches", r"\bdown\b")),
        priority="urgent",
    )
    assert evaluate_rules([rule], {"channel": "chat", "text": "site is DOWN"}).values
    assert not evaluate_rules([rule], {"channel": "email", "text": "site is down"}).values


def test_default_rules_flag_outages_as_urgent():
    outcome = evaluate_rules(DEFAULT_RULES, {"text": "Total outage since 9am"})
    assert outcome.values["priority"] == "urgent" and outcome.set_by["priority"] == "outage"


def test_stored_rule_with_unknown_operator_is_rejected():
    with pytest.raises(ValueError, match="unknown operator"):
        rule_from_dict({"name": "x", "conditions": [{"fact": "subject", "op": "sounds_like"}]})


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hallo, mein Drucker funktioniert nicht, bitte helfen Sie", "de"),
        ("my card is not working", "en"),
        ("Bonjour, je ne peux pas me connecter", "fr"),
        ("12345", None),
    ],
)
def test_language_detection(text, code):
    assert detect_language(text) == code
