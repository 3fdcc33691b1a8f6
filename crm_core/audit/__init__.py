"""The audit log of the CRM and of admin changes (roles, settings), exports and erasures.

A request's own trail stays in the desk's `request_events` (servicedesk.desk.audit);
this log covers records that are not requests. Operations call `record_entry`, or open
`audited(session, viewer)` so that every change to a customer or an organisation flushed
in that session is written down with its before and after values.
"""

from crm_core.audit.log import (
    AUDITED_FIELDS,
    AuditFilter,
    AuditPage,
    add_audit_parts,
    audited,
    list_entries,
    record_entry,
    register_audited,
    scrub_entity,
)
from crm_core.audit.models import AuditEntry

__all__ = [
    "AUDITED_FIELDS",
    "AuditEntry",
    "AuditFilter",
    "AuditPage",
    "add_audit_parts",
    "audited",
    "list_entries",
    "record_entry",
    "register_audited",
    "scrub_entity",
]
