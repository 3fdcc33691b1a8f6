import pytest

from servicedesk.desk.routing.rule_admin import (
    RuleDraft,
    RuleError,
    format_conditions,
    parse_conditions,
    to_rule,
)
from servicedesk.desk.routing.rules import evaluate_rules


def test_condition_lines_round_trip_and_lists_split_on_commas():
    text = "subject contains outage, is down\ncustomer.vip is_true\nchannel equals email"
    conditions = parse_conditions(text)
    assert conditions == [
        {"fact": "subject", "op": "contains", "value": ["outage", "is down"]},
        {"fact": "customer.vip", "op": "is_true", "value": None},
        {"fact": "channel", "op": "equals", "value": "email"},
    ]
    assert format_conditions({"conditions": conditions}) == text


@pytest.mark.parametrize(
    ("line", "message"),
    [("subject resembles x", "operator among"), ("subject contains", "needs a value")],
)
def test_bad_condition_lines_name_the_line(line, message):
    with pytest.raises(RuleError, match=f"line 2: .*{message}|line 2:.*{message}"):
        parse_conditions(f"channel equals email\n{line}")


def test_a_drafted_rule_behaves_like_a_stored_one():
    _, rule = to_rule(RuleDraft("acme", "sender_domain in acme.test, acme.example", team="Key"))
    outcome = evaluate_rules([rule], {"sender_domain": "acme.example"})
    assert outcome.values == {"team": "Key"} and outcome.set_by == {"team": "acme"}


def test_rules_that_set_nothing_or_an_unknown_priority_are_refused():
    with pytest.raises(RuleError, match="must set"):
        to_rule(RuleDraft("x", "channel equals email"))
    with pytest.raises(RuleError, match="priority must be one of"):
        to_rule(RuleDraft("x", "channel equals email", priority="asap"))
