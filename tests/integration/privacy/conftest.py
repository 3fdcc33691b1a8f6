"""A container on the test database (its privacy registry is the application's)."""

from tests.integration.web.conftest import container

__all__ = ["container"]
