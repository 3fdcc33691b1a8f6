"""`servicedesk serve`, `demo` and `worker`."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

from servicedesk.cli.context import container

if TYPE_CHECKING:
    from servicedesk.container import Container


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Serve the web app and Socket.IO (gevent: one process holds hundreds of chats)."""
    _run_web(host, port)


@click.command("demo")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--no-serve", is_flag=True, help="Only load the demo data.")
def demo(port: int, no_serve: bool) -> None:
    """Load demo data (idempotent) and serve on 127.0.0.1."""
    from servicedesk.demo import AGENT, load_articles, load_demo
    from servicedesk.demo_portal import load_portal_demo

    built = container()
    click.echo("Loading demo data (the first run also indexes the help articles)...")
    load_articles(built.uow, built.knowledge)
    _train_demo_router(built)
    lines = load_demo(built.uow, built.router) + _load_business_demo(built)
    base_url = built.config.served_at("127.0.0.1", port).base_url
    click.echo(f"Demo data loaded. Sign in at {base_url}/login with:")
    for line in lines:
        click.echo(line)
    click.echo("Help centre customer (open the link to sign in, as from the mail we send):")
    for line in load_portal_demo(built.uow, built.config.secret_key, base_url, AGENT[0]):
        click.echo(line)
    if not no_serve:
        _run_web("127.0.0.1", port)


def _train_demo_router(built: Container) -> None:
    from servicedesk.demo import train_router

    if built.router is None or built.router.classifier is None:
        return
    started = time.monotonic()
    trained = train_router(built.router.classifier)
    if trained is not None:
        seconds = time.monotonic() - started
        click.echo(f"Trained the demo router (model v{trained.version}) in {seconds:.1f} s")


def _load_business_demo(built: Container) -> list[str]:
    """Sales, contracts, the Slack conversation, the resource library, campaigns and
    workflows; the accounts' sign-in lines."""
    from servicedesk.demo import mark_outage
    from servicedesk.demo_contracts import load_contract_demo
    from servicedesk.demo_marketing import load_marketing_demo
    from servicedesk.demo_resources import load_resource_demo
    from servicedesk.demo_sales import load_sales_demo
    from servicedesk.demo_slack import load_slack_conversation
    from servicedesk.demo_workflows import load_workflows_demo

    lines = load_sales_demo(built.uow, built.config.lifecycle_rules())
    lines += load_contract_demo(built.uow, built.router)
    mark_outage(built.uow, load_slack_conversation(built))
    built.knowledge.index_articles(load_resource_demo(built.uow, built.attachments))
    lines += load_marketing_demo(built.uow)
    lines += load_workflows_demo(built.uow)
    return lines


def _run_web(host: str, port: int) -> None:
    from servicedesk.app import create_app
    from servicedesk.container import Container
    from servicedesk.serving import serve as serve_app

    # Validates the settings and migrates the database; the base URL follows the port.
    config = container().config.served_at(host, port)
    # A container of its own: the web process runs jobs on a background thread, where the
    # CLI's container runs them inline.
    web = Container.build(config)
    web.warm_up()
    _start_scheduler(web)
    app = create_app(container=web)
    click.echo(f"Serving on http://{host}:{port}/ (Ctrl+C to stop)")
    serve_app(app, host, port)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(burst: bool) -> None:
    """Run an rq worker on the mail, knowledge and default queues (needs SERVICEDESK_REDIS_URL)."""
    from servicedesk import runtime
    from servicedesk.worker import run_worker

    built = container()
    if not built.config.redis_url:
        raise click.ClickException("SERVICEDESK_REDIS_URL is required for the worker")
    runtime.install(built)  # the container rq's entry point hands to every job
    if not burst:
        _start_scheduler(built)
    run_worker(built.config.redis_url, burst=burst)


def _start_scheduler(built: Container) -> None:
    """The sweeps and the daily jobs (`servicedesk.schedule`); with Redis, every web process
    and worker runs one and each period of each job is enqueued once among them."""
    from servicedesk.schedule import RedisSlotClaims, Scheduler, periodic_jobs

    config = built.config
    claims = RedisSlotClaims(config.redis_url) if config.redis_url else None
    Scheduler(built.tasks, periodic_jobs(config.sla_sweep_seconds), claims=claims).start()


commands: list[click.Command] = [serve, demo, worker]
