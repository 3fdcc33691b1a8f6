"""`servicedesk sales ...` for leads: train the conversion model, re-score every open lead.

The deals work adds its own commands (forecast, order import) to the same `sales` group.
crm_core and scikit-learn load inside the commands, so `servicedesk --help` stays fast.
"""

from __future__ import annotations

import json

import click

from servicedesk.cli.context import container
from servicedesk.cli.sales_group import sales


@sales.command("train-lead-model")
@click.option("--json", "as_json", is_flag=True)
def train_lead_model_command(as_json: bool) -> None:
    """Learn the conversion probability from closed leads (needs 200), then re-score."""
    from crm_core.sales.lead_model import NotEnoughClosedLeads
    from crm_core.sales.lead_training import train_and_rescore

    app = container()
    try:
        metrics, rescored = train_and_rescore(app.uow, app.config.lead_model_dir)
    except NotEnoughClosedLeads as error:
        if as_json:
            reason = {"closed": error.closed, "needed": error.needed, "reason": str(error)}
            click.echo(json.dumps({"trained": False, **reason}))
            return
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps({"trained": True, **metrics.as_json(), "rescored": rescored}))
        return
    click.echo(
        f"trained on {metrics.closed} closed leads (base rate {metrics.base_rate:.0%}); "
        f"held out {metrics.held_out}: accuracy {metrics.accuracy:.1%}, AUC {metrics.auc:.3f}, "
        f"Brier {metrics.brier:.3f}; {rescored} open leads re-scored"
    )


@sales.command("rescore-leads")
def rescore_leads_command() -> None:
    """Re-score every open lead (behaviour points decay with time; run it daily)."""
    from crm_core.sales.lead_training import rescore_open_leads

    app = container()
    done = rescore_open_leads(app.uow, app.config.lead_model_dir)
    click.echo(f"{done} open leads re-scored")


commands: list[click.Command] = []  # the `sales` group is registered once
