"""The `servicedesk sales` group, which the deals and leads command modules fill."""

from __future__ import annotations

import click


@click.group("sales")
def sales() -> None:
    """Sales: leads and their conversion model, forecast, order import, lifecycle stages."""
