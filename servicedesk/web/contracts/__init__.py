"""Service contract pages: the list, a contract with its usage, the create and edit form,
and logging time on a covered request.

One module of views per concern; importing it registers its routes on the blueprint.
"""

from servicedesk.web.contracts import contract_views, time_views
from servicedesk.web.contracts.blueprint import contracts

__all__ = ["contract_views", "contracts", "time_views"]
