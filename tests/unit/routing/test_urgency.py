"""The urgency model sets priority when no admin rule does; rules always win."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from knowledge.embedding import HashingEmbedder
from servicedesk.desk.routing.router import Router
from servicedesk.desk.routing.rules import rule_from_dict
from servicedesk.desk.routing.urgency import urgency_service

WORDS = {
    "high": ["down", "broken", "cannot", "immediately", "blocked"],
    "low": ["wondering", "someday", "curious", "idea", "maybe"],
    "medium": ["question", "update", "change", "invoice", "address"],
}


def rows(per_label: int = 14) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(1)
    texts, labels = [], []
    for label, words in WORDS.items():
        for _ in range(per_label):
            a, b, c = rng.choice(words, size=3, replace=False)
            texts.append(f"the {a} thing is {b} and {c}")
            labels.append(label)
    return texts, labels


def test_priority_comes_from_the_model_unless_a_rule_sets_it(tmp_path: Path) -> None:
    urgency = urgency_service(tmp_path, HashingEmbedder(128))
    router = Router(classifier=None, urgency=urgency)
    text = "the down thing is broken and blocked"
    assert router.explain([], text, {}).priority == "normal"  # no model trained yet
    urgency.train(*rows())
    verdict = router.explain([], text, {})
    assert verdict.priority == "high"
    assert any(r.startswith("priority high by urgency model v1") for r in verdict.reasons)
    assert router.explain([], "the idea thing is maybe and curious", {}).priority == "low"
    rule = rule_from_dict(
        {
            "name": "calm",
            "conditions": [{"fact": "text", "op": "contains", "value": ["down"]}],
            "priority": "low",
        }
    )
    ruled = router.explain([rule], text, {})
    assert ruled.priority == "low"
    assert "priority low by rule 'calm'" in ruled.reasons
