"""The marketing resource library: assets (files) and templates (email, Slack post),
versioned, with usage counts. No Flask: the console, the jobs and the demo wire it up.

`render_slack_post(resource_version, context)` renders a Slack post template in the
sandbox for the Slack announcement channel.
"""

from crm_core.campaigns.resources.models import (
    Resource,
    ResourceKind,
    ResourceUse,
    ResourceVersion,
    UseKind,
)
from crm_core.campaigns.resources.templates import render_slack_post

__all__ = [
    "Resource",
    "ResourceKind",
    "ResourceUse",
    "ResourceVersion",
    "UseKind",
    "render_slack_post",
]
