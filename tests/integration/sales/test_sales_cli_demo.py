"""`servicedesk sales ...` as users run it, and the sales demo (idempotent, stages differ)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from crm_core.customers import Customer, LifecycleStage
from crm_core.lifecycle import LifecycleRules
from crm_core.orders.models import Order
from crm_core.sales.models import Opportunity
from servicedesk.cli import main
from servicedesk.demo import load_demo
from servicedesk.demo_sales import load_sales_demo
from tests.integration.crm.test_crm_cli import cli_env, run

__all__ = ["cli_env"]  # the fixture, imported to be used here


def test_demo_is_idempotent_and_gives_customers_different_stages(uow_factory) -> None:  # type: ignore[no-untyped-def]
    for _ in range(2):
        load_demo(uow_factory)
        load_sales_demo(uow_factory, LifecycleRules())
    with uow_factory() as uow:
        s = uow.session
        # The sales demo's six deals; the leads demo adds deals of converted leads.
        own = select(func.count()).select_from(Opportunity).where(Opportunity.lead_id.is_(None))
        assert s.scalar(own) == 6
        assert s.scalar(select(func.count()).select_from(Order)) == 7
        stages = {c.email: c.lifecycle_stage for c in s.scalars(select(Customer))}
        assert stages["maria@customer.example"] is LifecycleStage.LOYAL
        assert stages["tom@startup.example"] is LifecycleStage.RETURNING
        assert stages["li.wei@shop.example"] is LifecycleStage.NEW
        assert stages["old.client@archive.example"] is LifecycleStage.CHURNED
        outcomes = {d.stage.name for d in s.scalars(select(Opportunity))}
        assert outcomes == {"prospecting", "demo", "proposal", "negotiation", "won", "lost"}


def test_forecast_import_and_lifecycle_commands(cli_env: dict[str, str], tmp_path: Path) -> None:
    from servicedesk.cli.context import container

    os.environ.update({"SERVICEDESK_INSTANCE_DIR": cli_env["SERVICEDESK_INSTANCE_DIR"]})
    try:
        built = container()
        load_demo(built.uow)
        load_sales_demo(built.uow, built.config.lifecycle_rules())
    finally:
        os.environ.pop("SERVICEDESK_INSTANCE_DIR")
    baseline = json.loads(run(cli_env, "sales", "forecast", "--json"))
    # Four open deals of the sales demo and one of a lead the leads demo converted.
    assert baseline["total"]["deals"] == 5 and baseline["total"]["difference"] == "0.00"
    what_if = json.loads(
        run(cli_env, "sales", "forecast", "--by", "rep", "--what-if", "negotiation=100%",
            "--slip-days", "60", "--json")
    )  # fmt: skip
    assert Decimal(what_if["total"]["projected"]) > Decimal(what_if["total"]["weighted"])
    table = run(cli_env, "sales", "forecast", "--by", "team")
    assert (
        "Sales" in table and "total" in table
    )  # the rep's team (the leads demo) and "figures in EUR" in table
    bad = CliRunner().invoke(main, ["sales", "forecast", "--what-if", "demo"], env=cli_env)
    assert bad.exit_code == 2 and "STAGE=PROBABILITY" in bad.output
    erp = tmp_path / "erp.csv"
    erp.write_text(
        "order_id,email,sku,quantity\nX-1,li.wei@shop.example,LAMP-01,3\nX-2,who@no.example,LAMP-01,1\n"
    )
    dry = json.loads(run(cli_env, "sales", "import", "orders", str(erp), "--dry-run", "--json"))
    assert (dry["created"], dry["rejected"], dry["dry_run"]) == (1, 1, True)
    text = run(cli_env, "sales", "import", "orders", str(erp))
    assert "1 orders created" in text and "row 3: email: no customer with email" in text
    again = json.loads(run(cli_env, "sales", "import", "orders", str(erp), "--json"))
    assert (again["created"], again["existing"]) == (0, 1)
    assert "customers changed lifecycle stage" in run(cli_env, "sales", "lifecycle")
    assert "queued recompute_lifecycle" in run(cli_env, "sales", "lifecycle", "--queue")
