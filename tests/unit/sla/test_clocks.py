"""SLA clocks and policies with a controlled clock: pauses, reopen, merge, first match."""

from datetime import UTC, datetime, timedelta

from servicedesk.desk.conditions import Condition
from servicedesk.desk.sla.calendar import ALWAYS, calendar_from_dict
from servicedesk.desk.sla.clocks import History, compute_clocks, due_from
from servicedesk.desk.sla.policy import SlaPolicy, policy_from_dict, select_policy

OFFICE = calendar_from_dict(
    {
        "name": "office",
        "timezone": "Europe/London",
        "hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "09:00-17:00"),
    }
)
POLICY = SlaPolicy(
    "standard",
    calendar="office",
    targets={"normal": {"first_response": 240, "next_response": 120, "resolution": 960}},
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def clocks(history: History, now: datetime, calendar=OFFICE):  # type: ignore[no-untyped-def]
    return {c.clock: c for c in compute_clocks(history, POLICY, calendar, now)}


def test_first_response_due_and_met() -> None:
    # Monday 2026-01-05 10:00 GMT: due 14:00; answered 11:00: met.
    opened = utc(2026, 1, 5, 10)
    waiting = History(opened, "normal", [], [opened], [])
    first = clocks(waiting, utc(2026, 1, 5, 10, 30))["first_response"]
    assert first.due_at == utc(2026, 1, 5, 14) and first.state == "running"
    answered = History(
        opened, "normal", [(utc(2026, 1, 5, 11), "open")], [opened], [utc(2026, 1, 5, 11)]
    )
    states = clocks(answered, utc(2026, 1, 5, 12))
    assert states["first_response"].state == "met"
    assert "next_response" not in states


def test_breach_is_dated_at_the_due_time() -> None:
    opened = utc(2026, 1, 5, 10)
    late = clocks(History(opened, "normal", [], [opened], []), utc(2026, 1, 6, 12))
    assert late["first_response"].breached_at == utc(2026, 1, 5, 14)
    assert late["first_response"].state == "breached"


def test_pause_across_midnight_adds_no_open_time() -> None:
    # Pending from Monday 16:00 to Tuesday 10:00: one open hour Monday and one Tuesday paused.
    opened = utc(2026, 1, 5, 15)
    statuses = [(utc(2026, 1, 5, 16), "pending"), (utc(2026, 1, 6, 10), "open")]
    history = History(opened, "normal", statuses, [opened], [])
    paused = clocks(history, utc(2026, 1, 6, 9))["resolution"]
    assert paused.state == "paused" and paused.due_at is None
    assert paused.consumed_seconds == 3600
    resumed = clocks(history, utc(2026, 1, 6, 10, 30))["resolution"]
    # 16 h target, 1 h used before the pause: 15 h from Tuesday 10:00 = Wednesday 17:00.
    assert resumed.due_at == utc(2026, 1, 7, 17)
    assert resumed.paused_seconds == 18 * 3600


def test_on_hold_across_a_weekend_then_customer_reply_resumes() -> None:
    opened = utc(2026, 1, 9, 9)  # Friday
    statuses = [(utc(2026, 1, 9, 13), "on_hold"), (utc(2026, 1, 12, 13), "open")]
    state = clocks(History(opened, "normal", statuses, [opened], []), utc(2026, 1, 12, 14))
    resolution = state["resolution"]
    # 4 h Friday + 1 h Monday after resuming; Monday morning was paused.
    assert resolution.consumed_seconds == 5 * 3600
    assert resolution.due_at == utc(2026, 1, 13, 17)  # 12 h left from Monday 13:00


def test_resumed_at_the_moment_of_the_recompute_runs() -> None:
    # The agent takes the request off hold; the operation recomputes with its own `now`,
    # the very moment of the status change: the clocks run from then, not stay paused.
    opened, resumed = utc(2026, 1, 5, 9), utc(2026, 1, 5, 12)
    statuses = [(utc(2026, 1, 5, 10), "on_hold"), (resumed, "open")]
    state = clocks(History(opened, "normal", statuses, [opened], []), resumed)
    resolution = state["resolution"]
    assert resolution.state == "running" and resolution.running_since == resumed
    assert resolution.due_at == utc(2026, 1, 7, 11)  # 15 h left: 5 today, 8 Tuesday, 2 Wednesday


def test_opened_on_saturday_starts_monday() -> None:
    opened = utc(2026, 1, 10, 12)
    first = clocks(History(opened, "normal", [], [opened], []), utc(2026, 1, 10, 13))
    assert first["first_response"].due_at == utc(2026, 1, 12, 13)


def test_reopen_starts_a_new_resolution_clock() -> None:
    opened = utc(2026, 1, 5, 9)
    statuses = [(utc(2026, 1, 5, 10), "solved"), (utc(2026, 1, 6, 9), "open")]
    history = History(
        opened, "normal", statuses, [opened, utc(2026, 1, 6, 9)], [utc(2026, 1, 5, 10)]
    )
    state = clocks(history, utc(2026, 1, 6, 9, 30))
    assert state["resolution"].cycle == 1
    assert state["resolution"].started_at == utc(2026, 1, 6, 9)
    assert state["resolution"].due_at == utc(2026, 1, 7, 17)
    assert state["next_response"].due_at == utc(2026, 1, 6, 11)  # the customer's new message


def test_merged_request_keeps_the_earliest_promise() -> None:
    # The target opened Tuesday, but it holds a message moved over from Monday's request.
    history = History(
        utc(2026, 1, 6, 9), "normal", [], [utc(2026, 1, 5, 9), utc(2026, 1, 6, 9)], []
    )
    assert clocks(history, utc(2026, 1, 6, 9))["first_response"].due_at == utc(2026, 1, 5, 13)


def test_due_after_a_calendar_change() -> None:
    opened = utc(2026, 1, 5, 16)
    state = clocks(History(opened, "normal", [], [opened], []), utc(2026, 1, 5, 16, 30))
    first = state["first_response"]
    assert first.due_at == utc(2026, 1, 6, 12)
    assert due_from(first, ALWAYS) == utc(2026, 1, 5, 20)


def test_first_matching_policy_wins() -> None:
    vip = policy_from_dict(
        {
            "name": "vip",
            "conditions": [{"fact": "customer.tier", "op": "in", "value": ["gold"]}],
            "targets": {"urgent": {"first_response": 15}},
        }
    )
    chat = SlaPolicy("chat", (Condition("channel", "equals", "webchat"),))
    fallback = SlaPolicy("default")
    policies = [vip, chat, fallback]
    assert select_policy(policies, {"customer.tier": "Gold", "channel": "webchat"}) is vip
    assert select_policy(policies, {"channel": "webchat"}) is chat
    assert select_policy(policies, {"channel": "email"}) is fallback
    assert vip.target("urgent", "first_response") == 15
    assert vip.target("normal", "first_response") is None


def test_policy_errors_name_the_field() -> None:
    import pytest

    with pytest.raises(ValueError, match="unknown clock 'reply'"):
        policy_from_dict({"name": "p", "targets": {"high": {"reply": 5}}})
    with pytest.raises(ValueError, match="unknown operator"):
        policy_from_dict({"name": "p", "conditions": [{"fact": "a", "op": "like", "value": 1}]})


def test_breach_of_a_met_clock_is_remembered() -> None:
    opened = utc(2026, 1, 5, 9)
    late_reply = utc(2026, 1, 5, 15)
    history = History(opened, "normal", [], [opened], [late_reply])
    first = clocks(history, late_reply + timedelta(hours=1))["first_response"]
    assert first.state == "breached" and first.breached_at == utc(2026, 1, 5, 13)
