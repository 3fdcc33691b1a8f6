"""CRM console pages: customers, organisations, imports, merges, privacy and the audit log.

One module of views per concern; importing it registers its routes on the blueprint.
"""

from servicedesk.web.crm import (  # noqa: F401  (register their routes)
    audit,
    custom_field_edit,
    custom_fields,
    customer_edit,
    customer_list,
    customer_page,
    import_pages,
    merge_pages,
    privacy,
    roles,
)
from servicedesk.web.crm.blueprint import crm

__all__ = ["crm"]
