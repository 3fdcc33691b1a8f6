"""Fusion: bounded feedback prior and the rule that skips BM25 when it cannot matter."""

from __future__ import annotations

import math

from knowledge.feedback import feedback_signal
from knowledge.fusion import FusionSettings, base_scores, fuse, keyword_can_change_top

SETTINGS = FusionSettings()
NO_OUTSIDERS = -math.inf


def test_keyword_is_skipped_only_when_the_leader_is_out_of_its_reach() -> None:
    settled = {1: 0.80, 2: 0.80 - SETTINGS.keyword_weight - 0.001}
    close = {1: 0.80, 2: 0.80 - SETTINGS.keyword_weight + 0.001}
    assert not keyword_can_change_top(settled, SETTINGS, NO_OUTSIDERS)
    assert keyword_can_change_top(close, SETTINGS, NO_OUTSIDERS)
    # An article outside the candidates could come within reach too.
    assert keyword_can_change_top({1: 0.80}, SETTINGS, outsider_bound=0.79)
    always = FusionSettings(skip_keyword_when_settled=False)
    assert keyword_can_change_top(settled, always, NO_OUTSIDERS)


def test_a_skipped_keyword_leg_could_not_have_changed_the_leader() -> None:
    semantic = {1: 0.70, 2: 0.65, 3: 0.40}
    base = base_scores(semantic, set(semantic), set(), SETTINGS)
    assert not keyword_can_change_top(base, SETTINGS, NO_OUTSIDERS)
    # The strongest possible BM25 evidence for the runner-up still leaves 1 on top.
    fused = fuse(semantic, [(2, 9.0), (1, 0.1)], set(), SETTINGS)
    assert fused[0][0] == 1


def test_feedback_signal_is_bounded_and_smoothed() -> None:
    assert feedback_signal(0, 0, 0) == 0.0
    assert 0 < feedback_signal(1, 0, 0) < feedback_signal(10, 0, 0) < 1
    assert -1 < feedback_signal(0, 1000, 0) < 0
    assert feedback_signal(0, 0, 3) == feedback_signal(3, 0, 0)  # a use counts as a vote
    assert feedback_signal(10**6, 0, 10**6) < 1


def test_feedback_breaks_near_ties_but_never_lifts_an_irrelevant_article() -> None:
    beloved, relevant, twin = 1, 2, 3
    feedback = {beloved: feedback_signal(10**6, 0, 10**6), twin: feedback_signal(50, 0, 0)}
    # The irrelevant article trails by more than the prior's bound: it stays behind.
    semantic = {beloved: 0.50, relevant: 0.50 + SETTINGS.feedback_weight, twin: 0.30}
    assert fuse(semantic, [], set(), SETTINGS, feedback)[0][0] == relevant
    # Two equally good articles: the one readers liked wins.
    tie = {relevant: 0.61, twin: 0.61}
    assert fuse(tie, [], set(), SETTINGS, feedback)[0][0] == twin
    # Disliked articles sink below an equal one, but never by more than the bound.
    disliked = {relevant: 0.61, twin: 0.61}
    scores = dict(fuse(disliked, [], set(), SETTINGS, {twin: feedback_signal(0, 10**6, 0)}))
    assert 0 < scores[relevant] - scores[twin] < SETTINGS.feedback_weight
