"""CRM console pages: customers, organisations, imports, merges, privacy and the audit log.

One module of views per concern; importing it registers its routes on the blueprint.
"""

from servicedesk.web.crm import customer_page, merge_pages  # noqa: F401  (registers routes)
from servicedesk.web.crm.blueprint import crm

__all__ = ["crm"]
