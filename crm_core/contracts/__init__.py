"""Service contracts (seed 3.4.3): term, products covered, entitlements (support hours,
incidents, channels), SLA tier, renewal reminders; the requests that used them.

No Flask here: the desk picks the contract of a request and counts its use, the web
layer, the CLI and the jobs wire these operations up.
"""

from crm_core.contracts.models import (
    Contract,
    ContractStatus,
    IncidentUse,
    RenewalReminder,
    Standing,
    TimeEntry,
)

__all__ = [
    "Contract",
    "ContractStatus",
    "IncidentUse",
    "RenewalReminder",
    "Standing",
    "TimeEntry",
]
