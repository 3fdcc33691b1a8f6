"""`servicedesk router ...`: train, classify, evaluate, list and roll back model versions.

torch loads only inside the commands that encode text, so `servicedesk --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from servicedesk.cli.context import container

if TYPE_CHECKING:
    from servicedesk.desk.routing.versions import VersionInfo


def _service() -> Any:
    from servicedesk.desk.routing.service import CategoryService

    app = container()
    return CategoryService(app.config.models_dir, app.embedder)


def _fail_on_data_errors(action: Any) -> Any:
    from servicedesk.desk.routing.training import TrainingDataError
    from servicedesk.desk.routing.versions import NoActiveModelError

    try:
        return action()
    except (TrainingDataError, NoActiveModelError) as error:
        raise click.ClickException(str(error)) from error


@click.group("router")
def router() -> None:
    """Classify and route requests."""


@router.command("train")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", required=True)
@click.option("--label-column", required=True)
@click.option("--json", "as_json", is_flag=True)
def train(file: Path, text_column: str, label_column: str, as_json: bool) -> None:
    """Train a new version from a labelled CSV and make it active."""
    info = _fail_on_data_errors(lambda: _service().train_csv(file, text_column, label_column))
    _report_trained("router", info, as_json)


@router.command("train-priority")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", required=True)
@click.option("--label-column", required=True, help="low, normal/medium, high, urgent/critical")
@click.option("--json", "as_json", is_flag=True)
def train_priority(file: Path, text_column: str, label_column: str, as_json: bool) -> None:
    """Train the urgency model (the router's priority signal under the admin rules)."""
    from servicedesk.desk.routing.urgency import urgency_service

    app = container()
    service = urgency_service(app.config.models_dir, app.embedder)
    info = _fail_on_data_errors(lambda: service.train_csv(file, text_column, label_column))
    _report_trained("urgency", info, as_json)


def _report_trained(model: str, info: VersionInfo, as_json: bool) -> None:
    """The new version and its metrics, as JSON or one line."""
    metrics = info.metrics
    if as_json:
        click.echo(
            json.dumps({"version": info.version, "cv_accuracy": metrics["cv_accuracy"], **metrics})
        )
        return
    click.echo(
        f"trained {model} model v{info.version}: cross-validated accuracy "
        f"{metrics['cv_accuracy']:.4f} on {metrics['n_train']} rows"
    )


@router.command("classify")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True)
def classify(text: str, as_json: bool) -> None:
    """Classify one text with the active version."""
    decision = _fail_on_data_errors(lambda: _service().classify(text))
    if as_json:
        click.echo(json.dumps(decision.as_json()))
    else:
        scope = "out of scope" if decision.out_of_scope else "in scope"
        click.echo(f"{decision.label} {decision.confidence:.2f} ({scope}, v{decision.version})")


@router.command("eval")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--text-column", required=True)
@click.option("--label-column", required=True)
@click.option("--oos-label", default=None, help="Label of out-of-scope rows.")
@click.option("--json", "as_json", is_flag=True)
def evaluate(
    file: Path, text_column: str, label_column: str, oos_label: str | None, as_json: bool
) -> None:
    """Evaluate the active version on a labelled CSV."""
    result = _fail_on_data_errors(
        lambda: _service().evaluate_csv(file, text_column, label_column, oos_label)
    )
    if as_json:
        click.echo(json.dumps(result))
    else:
        for key, value in result.items():
            click.echo(f"{key:>18}  {value}")


@router.command("versions")
@click.option("--json", "as_json", is_flag=True)
def versions(as_json: bool) -> None:
    """List stored versions (the active one is marked)."""
    from servicedesk.desk.routing.versions import ModelStore

    infos = ModelStore(container().config.models_dir / "router").versions()
    if as_json:
        click.echo(json.dumps([{**vars(i), "labels": list(i.labels)} for i in infos]))
        return
    for info in infos:
        mark = "*" if info.active else " "
        click.echo(
            f"{mark} v{info.version}  {info.created_at}  "
            f"cv_accuracy={info.metrics.get('cv_accuracy')}  labels={len(info.labels)}"
        )


@router.command("rollback")
@click.argument("version", type=int)
def rollback(version: int) -> None:
    """Make a stored version active again."""
    from servicedesk.desk.routing.versions import ModelStore

    _fail_on_data_errors(
        lambda: ModelStore(container().config.models_dir / "router").activate(version)
    )
    click.echo(f"router model v{version} is active")


@router.command("retrain")
def retrain() -> None:
    """Retrain from agents' category corrections now (what the retrain_router job does)."""
    from servicedesk.desk.routing.retraining import retrain_router

    app = container()
    outcome = _fail_on_data_errors(lambda: retrain_router(app.uow, _service()))
    click.echo(f"{outcome.status}: {outcome.reason}")


@router.command("channel-capacity")
@click.argument("agent_email")
@click.argument("channel")
@click.argument("capacity")
def channel_capacity(agent_email: str, channel: str, capacity: str) -> None:
    """Cap an agent's open requests on a channel (a number, or 'none' to remove the cap)."""
    from sqlalchemy import func, select

    from servicedesk.desk.events import CapacityChanged
    from servicedesk.desk.models import Agent
    from servicedesk.desk.routing.assignment import set_channel_capacity

    if capacity != "none" and not capacity.isdigit():
        raise click.BadParameter("a number of requests, or 'none'", param_hint="CAPACITY")
    with container().uow() as uow:
        agent = uow.session.scalar(
            select(Agent).where(func.lower(Agent.email) == agent_email.lower())
        )
        if agent is None:
            raise click.ClickException(f"no agent {agent_email}")
        limit = None if capacity == "none" else int(capacity)
        set_channel_capacity(uow.session, agent.id, channel, limit)
        uow.events.append(CapacityChanged(agent.id))  # a raised cap frees queued requests
        uow.commit()
    shown = "no cap" if limit is None else f"at most {limit} open"
    click.echo(f"{agent_email} on {channel}: {shown}")


commands: list[click.Command] = [router]
