"""Import customers and organisations from CSV and XLSX files.

Imported email addresses become the imported customer's email identities (the
organisation's own records are trusted, like an address that wrote to us), but they
confirm nothing for a chat visitor or portal contact who types the same address: that
person stays a separate, unverified contact until the link is followed
(`crm_core.confirmations`).

`run_import(uow_factory, IMPORT_KINDS["customers"], path, ImportOptions(...))`. Leads
are one more kind; `lead_kind(context)` builds one that assigns among given reps.
"""

from crm_core.importing.customer_rows import CUSTOMERS
from crm_core.importing.headers import MappingError, parse_overrides
from crm_core.importing.kinds import ImportKind, Outcome, RowSettings
from crm_core.importing.lead_rows import LEADS, lead_kind
from crm_core.importing.log import ImportRejection, ImportRun
from crm_core.importing.org_rows import ORGANISATIONS
from crm_core.importing.readers import UnreadableFile
from crm_core.importing.runner import ImportOptions, ImportReport, RejectedRow, run_import

IMPORT_KINDS: dict[str, ImportKind] = {
    CUSTOMERS.name: CUSTOMERS,
    ORGANISATIONS.name: ORGANISATIONS,
    LEADS.name: LEADS,
}

__all__ = [
    "IMPORT_KINDS",
    "ImportKind",
    "ImportOptions",
    "ImportRejection",
    "ImportReport",
    "ImportRun",
    "MappingError",
    "Outcome",
    "RejectedRow",
    "RowSettings",
    "UnreadableFile",
    "lead_kind",
    "parse_overrides",
    "run_import",
]
