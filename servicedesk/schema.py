"""Imports every module that defines tables, so `Base.metadata` holds the whole schema.

Alembic's env.py, the app factory and the test fixtures import this one module.
Add one line here for each new module with tables.
"""

import channels.email.models
import channels.webchat.models  # noqa: F401
import crm_core.confirmations
import crm_core.customers
import crm_core.customers.merging
import crm_core.customers.notes
import crm_core.importing.log
import crm_core.importing.uploads
import crm_core.organisations.models  # noqa: F401
import knowledge.models  # noqa: F401
import servicedesk.desk.feedback
import servicedesk.desk.models
import servicedesk.desk.routing.models  # noqa: F401
from crm_core.db import Base

metadata = Base.metadata
