"""The running app's container, for views and socket handlers.

Web and socket modules get the container here, never from `servicedesk.app`, which
imports them all to register them.
"""

from __future__ import annotations

from flask import Flask, current_app

from servicedesk.container import Container

EXTENSION_KEY = "servicedesk"  # where `create_app` keeps the container on the app


def container_of(app: Flask | None = None) -> Container:
    """The container behind the current (or given) app."""
    target = app or current_app
    found: Container = target.extensions[EXTENSION_KEY]
    return found
