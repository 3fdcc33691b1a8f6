"""`servicedesk marketing ...`: segment counts, sending a campaign, its report, the cron tick.

crm_core loads inside the commands, so `servicedesk --help` stays fast.
"""

from __future__ import annotations

import json
from typing import Any

import click

from servicedesk.cli.context import container


@click.group("marketing")
def marketing() -> None:
    """Marketing: segments, campaigns, reports."""


@marketing.command("segment-count")
@click.argument("segment")
@click.option("--json", "as_json", is_flag=True)
def segment_count_command(segment: str, as_json: bool) -> None:
    """How many customers SEGMENT (its id or name) matches now, in one query."""
    from crm_core.campaigns.segments import SegmentError, find_segment
    from crm_core.db import utcnow
    from servicedesk.desk.campaigns import count_segment

    with container().uow() as uow:
        row = find_segment(uow.session, segment)
        if row is None:
            raise click.ClickException(f"no segment {segment!r}")
        name, segment_id = row.name, row.id
        try:
            count = count_segment(uow.session, row.rules, utcnow())
        except SegmentError as error:
            raise click.ClickException(f"segment {name}: {error}") from error
    if as_json:
        click.echo(json.dumps({"segment": name, "id": segment_id, "count": count}))
    else:
        click.echo(f"{name}: {count} customers")


@marketing.command("send")
@click.argument("campaign")
@click.option("--dry-run", is_flag=True, help="Count who would get it; send and write nothing.")
@click.option("--queue", "queued", is_flag=True, help="Hand it to the mail queue (rq workers).")
@click.option("--winner", metavar="LABEL", help="End the A/B test now: LABEL goes to the rest.")
def send_command(campaign: str, dry_run: bool, queued: bool, winner: str | None) -> None:
    """Send CAMPAIGN (id or name): mail to its audience, a Slack announcement to its
    channels, or a help centre banner put up. Run it again to resume: nobody gets a mail
    twice, no channel a second post. An A/B test's winner goes to the rest once its window
    is over (or --winner)."""
    from crm_core.campaigns.operations import find_campaign
    from servicedesk.jobs import send_campaign

    app = container()
    with app.uow() as uow:
        row = find_campaign(uow.session, campaign)
        if row is None:
            raise click.ClickException(f"no campaign {campaign!r}")
        if dry_run:
            click.echo(_dry_run(uow.session, row))
            return
        campaign_id, name = row.id, row.name
        if winner:
            _choose_winner(uow, row, winner)
    if queued:
        app.tasks.enqueue("mail", "send_campaign", campaign_id)
        click.echo(f"queued send_campaign {campaign_id} on the mail queue")
        return
    try:
        send_campaign(app, campaign_id)
    except (LookupError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    with app.uow() as uow:
        report = _report(uow.session, campaign_id)
    click.echo(f"{name}: {_progress(report)}")


def _progress(report: dict[str, Any]) -> str:
    figures, channel = report["figures"], report["campaign"]["channel"]
    if channel == "slack":
        return f"posted in {figures['posted']} Slack channels"
    if channel == "portal":
        return f"banner {report['campaign']['status']}, {figures['impressions']} views so far"
    return f"{figures['sent']} sent, {figures['failed']} failed so far"


def _choose_winner(uow: Any, campaign: Any, label: str) -> None:
    from crm_core.campaigns.abtest import choose_winner

    try:
        choose_winner(uow.session, campaign, label)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    uow.commit()


def _dry_run(session: Any, campaign: Any) -> str:
    from sqlalchemy import func, select

    from crm_core.campaigns.eligibility import eligible_recipients
    from crm_core.campaigns.models import Segment
    from crm_core.campaigns.segments import parse_rules, segment_query
    from crm_core.db import utcnow
    from servicedesk.desk.campaigns import REQUEST_RULES

    if campaign.channel.value == "slack":
        return f"dry run, nothing posted: {campaign.name} would go to {campaign.slack_targets}"
    segment = session.get(Segment, campaign.segment_id) if campaign.segment_id else None
    if campaign.channel.value == "portal":
        return f"dry run, nothing changed: {campaign.name} {_banner_audience(session, segment)}"
    if segment is None:
        raise click.ClickException("the campaign has no audience segment")
    audience = segment_query(parse_rules(segment.rules), utcnow(), REQUEST_RULES)
    everyone = session.scalar(select(func.count()).select_from(audience.subquery()))
    eligible = session.scalar(
        select(func.count()).select_from(eligible_recipients(audience).subquery())
    )
    return (
        f"dry run, nothing sent: {campaign.name} would go to {eligible} of {everyone} customers "
        f"in {segment.name} (the rest have no address, unsubscribed, bounced or gave no consent)"
    )


def _banner_audience(session: Any, segment: Any) -> str:
    from sqlalchemy import func, select

    from crm_core.db import utcnow
    from servicedesk.desk.banners import audience_of

    if segment is None:
        return "would show to every signed-in customer (and visitors if allowed)"
    query = audience_of(segment.rules, utcnow())
    count = session.scalar(select(func.count()).select_from(query.subquery()))
    return f"would show to the {count} customers of {segment.name} who sign in (less opt-outs)"


def _report(session: Any, campaign_id: int) -> dict[str, Any]:
    from crm_core.campaigns.analytics import campaign_report
    from crm_core.campaigns.models import Campaign

    return campaign_report(session, session.get(Campaign, campaign_id))


@marketing.command("report")
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True)
def report_command(campaign: str, as_json: bool) -> None:
    """The console's figures for CAMPAIGN: sent, delivered, opened, clicked, converted,
    revenue, cost, ROI, and the A/B test's significance."""
    from crm_core.campaigns.operations import find_campaign

    with container().uow() as uow:
        row = find_campaign(uow.session, campaign)
        if row is None:
            raise click.ClickException(f"no campaign {campaign!r}")
        report = _report(uow.session, row.id)
    if as_json:
        click.echo(json.dumps(report))
        return
    figures, about = report["figures"], report["campaign"]
    click.echo(f"{about['name']} ({about['channel']}, {about['status']})")
    for name, value in figures.items():
        click.echo(f"  {name:>14}  {value if value is not None else '-'}")
    ab = report["ab_test"]
    if ab:
        for v in ab["variants"]:
            click.echo(f"  variant {v['label']}: {v['successes']}/{v['sent']} {ab['metric']}s")
        verdict = "significant" if ab["significant"] else "not significant"
        click.echo(f"  z={ab['z']} p={ab['p_value']} ({verdict} at 5%), leader {ab['leader']}")


@marketing.command("tick")
def tick_command() -> None:
    """Send scheduled campaigns that are due and A/B winners whose test window is over,
    and run the workflow steps that are due (run every few minutes from cron)."""
    from servicedesk.jobs import send_due_campaigns
    from servicedesk.workflow_jobs import sweep_workflows

    built = container()
    due = send_due_campaigns(built)
    click.echo(f"{len(due)} campaigns sent or continued")
    click.echo(f"{sweep_workflows(built)} workflow enrolments had a step due")


commands: list[click.Command] = [marketing]
