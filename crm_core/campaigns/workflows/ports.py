"""What the workflow runner needs from the application, given as plain callables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from crm_core.campaigns.eligibility import ConsentFilter, marketing_consent
from crm_core.campaigns.segments import RuleCompiler

# (agent id, text, key): tell a rep on Slack, at most once per key. Called after commit.
RepNotice = Callable[[int, str, str], None]
# A campaign id: send its pending deliveries (the campaign's exactly-once path). After commit.
CampaignSend = Callable[[int], None]


@dataclass(frozen=True)
class WorkflowPorts:
    notify_rep: RepNotice
    send_campaign: CampaignSend
    consent: ConsentFilter = marketing_consent
    # Segment fields that live above crm_core (the desk's `open_requests`, `requests`).
    segment_fields: Mapping[str, RuleCompiler] = field(default_factory=dict)
    # How long a claimed enrolment stays another job's: a crashed job's claim then lapses.
    lease_seconds: int = 300
