from dataclasses import replace
from datetime import UTC, datetime, timedelta

from servicedesk.desk.routing.policies import Candidate, Need, choose_agent, is_available

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def agent(i, open_count=0, capacity=3, presence="online", since=NOW, skills=(), languages=()):
    return Candidate(
        i, f"A{i}", presence, since, capacity, open_count, frozenset(skills), frozenset(languages)
    )


def test_least_loaded_picks_lowest_share_and_says_why():
    choice = choose_agent("least_loaded", [agent(1, 2), agent(2, 1), agent(3, 2)], Need(), NOW)
    assert choice.agent.agent_id == 2
    assert choice.reason == "assigned to A2 by least-loaded (1 open of 3)"


def test_round_robin_continues_after_last_and_wraps():
    pool = [agent(1), agent(2), agent(3)]
    assert choose_agent("round_robin", pool, Need(), NOW, last_assigned_id=2).agent.agent_id == 3
    assert choose_agent("round_robin", pool, Need(), NOW, last_assigned_id=3).agent.agent_id == 1


def test_capacity_full_and_offline_agents_leave_request_waiting():
    pool = [agent(1, open_count=3), agent(2, presence="offline")]
    choice = choose_agent("least_loaded", pool, Need(), NOW)
    assert choice.agent is None and choice.reason.startswith("waiting")


def test_away_agent_counts_only_within_grace_period():
    grace = timedelta(minutes=5)
    assert is_available(agent(1, presence="away", since=NOW - timedelta(minutes=4)), NOW, grace)
    assert not is_available(agent(1, presence="away", since=NOW - timedelta(minutes=6)), NOW, grace)


def test_skills_policy_requires_category_and_language():
    pool = [
        agent(1, skills=["billing"], languages=["en"]),
        agent(2, 1, skills=["billing"], languages=["de"]),
    ]
    choice = choose_agent("skills", pool, Need(category="Billing", language="de"), NOW)
    assert choice.agent.agent_id == 2
    assert choose_agent("skills", pool, Need(category="sales"), NOW).agent is None


def test_sticky_prefers_previous_agent_unless_full():
    pool = [agent(1), agent(2, 2)]
    assert choose_agent("sticky", pool, Need(previous_agent_id=2), NOW).agent.agent_id == 2
    full = [agent(1), agent(2, 3)]
    assert choose_agent("sticky", full, Need(previous_agent_id=2), NOW).agent.agent_id == 1


def test_a_full_channel_skips_the_agent_even_with_overall_room():
    chats_full = replace(agent(1, open_count=1), channel_capacity=2, channel_open=2)
    free = replace(agent(2, open_count=2), channel_capacity=2, channel_open=1)
    choice = choose_agent("least_loaded", [chats_full, free], Need(), NOW)
    assert choice.agent is not None and choice.agent.agent_id == 2
    assert choose_agent("least_loaded", [chats_full], Need(), NOW).agent is None
    uncapped = replace(agent(3, open_count=1), channel_capacity=None, channel_open=9)
    assert uncapped.has_room
