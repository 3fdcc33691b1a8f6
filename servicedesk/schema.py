"""Imports every module that defines tables, so `Base.metadata` holds the whole schema.

Alembic's env.py, the app factory and the test fixtures import this one module.
Add one line here for each new module with tables.
"""

# ruff: noqa: F401  (each import registers its tables)
import channels.email.models
import channels.slack.models
import channels.webchat.models
import crm_core.audit
import crm_core.campaigns.models
import crm_core.campaigns.resources.models
import crm_core.campaigns.workflows.models
import crm_core.confirmations
import crm_core.contracts.models
import crm_core.customers
import crm_core.customers.merging
import crm_core.customers.notes
import crm_core.importing.log
import crm_core.importing.uploads
import crm_core.lifecycle.models
import crm_core.orders.models
import crm_core.organisations.models
import crm_core.portal_accounts
import crm_core.privacy
import crm_core.sales.assignment
import crm_core.sales.models
import knowledge.models
import servicedesk.desk.automation.models
import servicedesk.desk.deflections
import servicedesk.desk.feedback
import servicedesk.desk.models
import servicedesk.desk.revisions
import servicedesk.desk.routing.models
import servicedesk.desk.satisfaction
import servicedesk.desk.sla.models
from crm_core.db import Base

metadata = Base.metadata
