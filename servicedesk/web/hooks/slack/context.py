"""What every Slack listener is handed: the process's container and the Slack adapter."""

from __future__ import annotations

from dataclasses import dataclass

from channels.slack import SlackAdapter
from servicedesk.container import Container


@dataclass(frozen=True)
class Hook:
    """What the listeners use: the process's container and the Slack adapter."""

    container: Container
    adapter: SlackAdapter

    def link(self, path: str) -> str:
        return f"{self.container.config.base_url.rstrip('/')}{path}"
