"""GDPR and CCPA in the desk: export and erase a person everywhere, retention, the registry.

`registry_with` composes the application's `PrivacyRegistry` from crm_core's parts, the
audit log's, the desk's and the parts the caller adds (channels, other packages), with
the customer row's eraser last.
"""

from servicedesk.desk.privacy.operations import (
    ErasureReport,
    PersonNotFound,
    erase_person,
    export_person,
    record_customer_consent,
    registry_with,
)
from servicedesk.desk.privacy.retention import RetentionReport, RetentionRule, apply_retention

__all__ = [
    "ErasureReport",
    "PersonNotFound",
    "RetentionReport",
    "RetentionRule",
    "apply_retention",
    "erase_person",
    "export_person",
    "record_customer_consent",
    "registry_with",
]
