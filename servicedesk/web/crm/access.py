"""The signed-in agent as the CRM's `Viewer`, 403 when the agent's row is gone."""

from __future__ import annotations

from functools import partial

from servicedesk.web.viewing import current_viewer as _current_viewer

current_viewer = partial(_current_viewer, missing=403)
