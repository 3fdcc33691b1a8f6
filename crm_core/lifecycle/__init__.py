"""Customer lifecycle: stages computed from orders and activity, and their changes."""

from crm_core.lifecycle.operations import recompute_all, recompute_stage, stage_timeline
from crm_core.lifecycle.stages import LifecycleRules, PlacedOrder, compute_stage

__all__ = [
    "LifecycleRules",
    "PlacedOrder",
    "compute_stage",
    "recompute_all",
    "recompute_stage",
    "stage_timeline",
]
