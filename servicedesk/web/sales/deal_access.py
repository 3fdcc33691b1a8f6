"""The domain errors of the deal pages as statuses; the viewer is the CRM's (403 when gone)."""

from __future__ import annotations

from crm_core.sales.scope import DealNotFound, NotAllowed
from servicedesk.web.crm.access import current_viewer

__all__ = ["current_viewer", "error_status"]


def error_status(error: Exception) -> int:
    """404 for a deal out of sight (as if it did not exist), 403 when not allowed, else 400."""
    if isinstance(error, DealNotFound):
        return 404
    return 403 if isinstance(error, NotAllowed) or "read-only" in str(error) else 400
