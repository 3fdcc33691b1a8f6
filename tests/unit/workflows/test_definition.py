"""Checking a workflow's definition: every problem names its step and field."""

from __future__ import annotations

import pytest

from crm_core.campaigns.workflows.definition import (
    References,
    WorkflowInvalid,
    check_definition,
    step_index,
)
from tests.unit.workflows.helpers import NO_PROBLEM


def _errors(trigger: str, definition: object, refs: References = NO_PROBLEM) -> list[str]:
    with pytest.raises(WorkflowInvalid) as caught:
        check_definition(trigger, definition, refs)
    return caught.value.errors


def test_a_good_definition_is_kept_and_its_flow_follows_branches() -> None:
    steps = [
        {"id": "t", "type": "tag", "tag": "welcome"},
        {
            "id": "b",
            "type": "branch",
            "condition": "vip = true",
            "yes": [{"id": "y", "type": "assign", "agent_id": 3}],
            "no": [],
        },
        {"id": "w", "type": "wait", "days": 2},
    ]
    cleaned = check_definition("tag_added", {"trigger": {"tag": "new"}, "steps": steps}, NO_PROBLEM)
    index = step_index(cleaned)
    assert [index["t"].after, index["b"].after, index["y"].after, index["w"].after] == [
        "b",
        "w",
        "w",
        None,
    ]
    assert index["y"].label == "2.yes.1"


def test_each_problem_names_the_step_and_the_field() -> None:
    steps = [
        {"id": "a", "type": "wait"},
        {"id": "a", "type": "tag", "tag": "x"},
        {"id": "c", "type": "email", "campaign_id": "seven"},
        {
            "id": "d",
            "type": "branch",
            "condition": "colour = blue",
            "yes": [{"id": "e", "type": "teleport"}],
        },
        {"id": "f", "type": "notify", "agent_id": 4, "text": ""},
    ]
    refs = References(campaign=lambda _id: "no campaign", agent=lambda i: f"no agent {i}")
    errors = _errors("stage_changed", {"trigger": {"stage": "royal"}, "steps": steps}, refs)
    assert errors[0] == "trigger: stage: one of prospect, new, returning, loyal, churned"
    joined = "\n".join(errors)
    assert "step 1 (wait): days: a wait needs a duration" in joined
    assert "step 2 (tag): id: 'a' is used twice" in joined
    assert "step 3 (email): campaign_id: 'seven' is not a whole number" in joined
    assert "step 4 (branch): condition: unknown field 'colour'" in joined
    assert "step 4.yes.1 (teleport): type: one of" in joined
    assert "step 5 (notify): agent_id: no agent 4" in joined


def test_an_empty_workflow_and_a_bad_trigger_are_refused() -> None:
    errors = _errors("moon_rises", {"steps": []})
    assert errors[0].startswith("trigger: one of form_submitted")
    assert "steps: a workflow needs at least one step" in errors
    assert _errors(
        "lead_score", {"trigger": {}, "steps": [{"id": "a", "type": "tag", "tag": "x"}]}
    ) == ["trigger: threshold: a whole number is needed"]
