"""The web tests' app and container fixtures, for the sales pages."""

from tests.integration.web.conftest import app, container

__all__ = ["app", "container"]
