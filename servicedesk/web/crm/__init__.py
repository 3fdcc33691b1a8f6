"""CRM console pages: customers, organisations, imports, merges, privacy and the audit log.

One module of views per concern; importing it registers its routes on the blueprint.
"""

from servicedesk.web.crm import custom_fields, customer_list  # noqa: F401  (routes)
from servicedesk.web.crm.blueprint import crm

__all__ = ["crm"]
