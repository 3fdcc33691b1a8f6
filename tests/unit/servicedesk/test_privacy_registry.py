"""The application's privacy registry covers every table that points at a customer."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_core.db import Base
from crm_core.privacy import PrivacyRegistry
from servicedesk.config import Config
from servicedesk.container import Container


def test_every_table_pointing_at_customers_is_exported_and_erased(tmp_path: Path) -> None:
    """A package that adds a table referencing customers registers its parts (see
    `servicedesk.desk.privacy.registry_with`), or this fails naming the table."""
    config = Config(
        instance_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}", secret_key="k"
    )
    built = Container.build(config, synchronous_jobs=True)
    try:
        registry = built.privacy
        assert registry.uncovered(Base.metadata) == {"export": [], "erase": []}
        assert list(registry.erasers)[-1] == "customer"  # the row the others read goes last
    finally:
        built.engine.dispose()


def test_a_name_is_registered_once() -> None:
    registry = PrivacyRegistry()
    registry.add_exporter("orders", lambda _s, _id: [])
    with pytest.raises(ValueError, match="an exporter named 'orders' is registered already"):
        registry.add_exporter("orders", lambda _s, _id: [])
