"""`servicedesk sales ...` for leads: train the conversion model, re-score every open lead.

The deals work adds its own commands (forecast, order import) to the same `sales` group.
crm_core and scikit-learn load inside the commands, so `servicedesk --help` stays fast.
"""

from __future__ import annotations

import json

import click

from servicedesk.cli.context import container

LEAD_MODEL_DIR = "leads"  # the same folder the web pages read (servicedesk.web.sales)


@click.group("sales")
def sales() -> None:
    """Sales: leads and their conversion model."""


@sales.command("train-lead-model")
@click.option("--json", "as_json", is_flag=True)
def train_lead_model_command(as_json: bool) -> None:
    """Learn the conversion probability from closed leads (needs 200), then re-score."""
    from crm_core.sales.lead_model import NotEnoughClosedLeads, train_lead_model

    app = container()
    with app.uow() as uow:
        try:
            metrics = train_lead_model(uow.session, app.config.models_dir / LEAD_MODEL_DIR)
        except NotEnoughClosedLeads as error:
            if as_json:
                click.echo(
                    json.dumps(
                        {
                            "trained": False,
                            "closed": error.closed,
                            "needed": error.needed,
                            "reason": str(error),
                        }
                    )
                )
                return
            raise click.ClickException(str(error)) from error
    rescored = _rescore_open_leads()
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
    click.echo(f"{_rescore_open_leads()} open leads re-scored")


def _rescore_open_leads() -> int:
    from sqlalchemy import select

    from crm_core.sales.capture import OPEN_STATUSES
    from crm_core.sales.lead_events import LeadContext, rescore
    from crm_core.sales.lead_model import load_lead_model
    from crm_core.sales.models import Lead

    app = container()
    context = LeadContext(model=load_lead_model(app.config.models_dir / LEAD_MODEL_DIR))
    done = 0
    with app.uow() as uow:
        for lead in uow.session.scalars(select(Lead).where(Lead.status.in_(OPEN_STATUSES))):
            rescore(uow.session, lead, context)
            done += 1
        uow.commit()
    return done


commands: list[click.Command] = [sales]
