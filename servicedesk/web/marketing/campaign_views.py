"""Campaign pages: plan and edit, the analytics page with its chart, send, A/B decision."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from crm_core.access import Viewer
from crm_core.campaigns.abtest import choose_winner
from crm_core.campaigns.analytics import campaign_report
from crm_core.campaigns.models import (
    SENDABLE_CHANNELS,
    Campaign,
    Channel,
    ChannelPost,
    Segment,
    Variant,
)
from crm_core.campaigns.operations import save_campaign
from crm_core.campaigns.rendering import TemplateProblem
from crm_core.campaigns.resources.content import pinned_templates
from crm_core.campaigns.resources.files import ResourceInvalid
from crm_core.campaigns.resources.library import list_resources
from crm_core.campaigns.resources.models import ResourceKind, ResourceVersion
from servicedesk.config import Config
from servicedesk.current import container_of
from servicedesk.web.marketing.access import marketing_viewer
from servicedesk.web.marketing.blueprint import marketing
from servicedesk.web.marketing.forms import CampaignForm

CHART_FIGURES = {
    Channel.EMAIL: ("sent", "delivered", "opened", "clicked", "converted"),
    Channel.SLACK: ("posted", "clicked", "converted"),
    Channel.PORTAL: ("impressions", "reach", "clicked", "dismissed", "converted"),
}
MONEY = ("orders", "revenue", "cost", "roi")
COLUMNS = {
    Channel.EMAIL: (*CHART_FIGURES[Channel.EMAIL], "replied", *MONEY, "unsubscribed", "bounced"),
    Channel.SLACK: (*CHART_FIGURES[Channel.SLACK], *MONEY),
    Channel.PORTAL: (*CHART_FIGURES[Channel.PORTAL], *MONEY),
}


@marketing.route("/campaigns/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_campaign() -> ResponseReturnValue:
    return _edit(None)


@marketing.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def edit_campaign(campaign_id: int) -> ResponseReturnValue:
    return _edit(campaign_id)


def _edit(campaign_id: int | None) -> ResponseReturnValue:
    form = CampaignForm()
    with container_of().uow() as uow:
        viewer = marketing_viewer(uow.session, write=True)
        segments = uow.session.scalars(select(Segment).order_by(Segment.name)).all()
        form.segment_id.choices = [SelectChoice(0, "(none yet)")] + [
            SelectChoice(s.id, s.name) for s in segments
        ]
        form.template_a.choices = template_choices(uow.session, viewer)
        if not form.is_submitted() and campaign_id is not None:
            _fill(form, uow.session, campaign_id)
        elif form.validate_on_submit():
            try:
                saved = save_campaign(
                    uow.session, viewer, form.to_draft(viewer.user_id), campaign_id
                )
                uow.commit()
            except (TemplateProblem, ResourceInvalid, ValueError, LookupError) as error:
                form.form_errors.append(str(error))
            else:
                flash("Campaign saved.", "ok")
                return redirect(url_for("marketing.campaign", campaign_id=saved.id))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "marketing/campaign_edit.html", form=form, campaign_id=campaign_id
    ), status


def _fill(form: CampaignForm, session, campaign_id: int) -> None:  # type: ignore[no-untyped-def]
    row = session.get(Campaign, campaign_id) or abort(404)
    form.process(obj=row)
    form.channel.data = row.channel.value
    form.segment_id.data = row.segment_id or 0
    variants = list(session.scalars(select(Variant).where(Variant.campaign_id == campaign_id)))
    for variant in variants:
        suffix = variant.label.lower()
        if suffix in {"a", "b"}:
            getattr(form, f"subject_{suffix}").data = variant.subject
            getattr(form, f"text_{suffix}").data = variant.body_text
            getattr(form, f"html_{suffix}").data = variant.body_html
    form.template_a.data = next((v.template_version_id or 0 for v in variants if v.label == "A"), 0)


def template_choices(session: Session, viewer: Viewer) -> list[SelectChoice]:
    """ "Write inline", then every email template's current version (a campaign pins it)."""
    templates = list_resources(session, viewer, ResourceKind.EMAIL_TEMPLATE)
    versions = {
        v.id: v.number
        for v in session.scalars(
            select(ResourceVersion).where(
                ResourceVersion.id.in_([t.current_version_id for t in templates])
            )
        )
    }
    return [SelectChoice(0, "(written below)")] + [
        SelectChoice(
            t.current_version_id, f"{t.title} (version {versions.get(t.current_version_id or 0)})"
        )
        for t in templates
        if t.current_version_id
    ]


@marketing.get("/campaigns/<int:campaign_id>")
@login_required  # type: ignore[misc]
def campaign(campaign_id: int) -> ResponseReturnValue:
    with container_of().uow() as uow:
        viewer = marketing_viewer(uow.session)
        row = uow.session.get(Campaign, campaign_id) or abort(404)
        report = campaign_report(uow.session, row)
        figures = report["figures"]
        assert isinstance(figures, dict)
        shown = CHART_FIGURES[row.channel]
        chart = {"labels": list(shown), "series": [[row.name, [figures[n] for n in shown]]]}
        return render_template(
            "marketing/campaign.html",
            campaign=row,
            report=report,
            figures=figures,
            chart=chart,
            columns=COLUMNS[row.channel],
            posts=uow.session.scalars(
                select(ChannelPost).where(ChannelPost.campaign_id == row.id)
            ).all(),
            sendable=row.channel in SENDABLE_CHANNELS,
            templates=pinned_templates(uow.session, row.id),
            may_write=viewer.may_write,
        )


@marketing.post("/campaigns/<int:campaign_id>/send")
@login_required  # type: ignore[misc]
def send(campaign_id: int) -> ResponseReturnValue:
    """Queue the campaign's send (mail queue): plans the audience on its first run."""
    container = container_of()
    with container.uow() as uow:
        marketing_viewer(uow.session, write=True)
        row = uow.session.get(Campaign, campaign_id) or abort(404)
        missing = _missing_settings(container.config, row.channel)
        if missing:
            flash(missing, "error")
        else:
            container.tasks.enqueue("mail", "send_campaign", campaign_id)
            flash(SENDING[row.channel], "ok")
    return redirect(url_for("marketing.campaign", campaign_id=campaign_id))


SENDING = {
    Channel.EMAIL: "Sending: the figures below fill in as mail goes out.",
    Channel.SLACK: "Posting the announcement in its Slack channels.",
    Channel.PORTAL: "The banner is up in the help centre for its audience (from its start).",
}


def _missing_settings(config: Config, channel: Channel) -> str | None:
    if channel == Channel.EMAIL and not (config.mail_smtp_url and config.mail_from):
        return "Set SERVICEDESK_MAIL_SMTP_URL and SERVICEDESK_MAIL_FROM to send mail."
    if channel == Channel.SLACK and not config.slack_enabled:
        return "Set SERVICEDESK_SLACK_BOT_TOKEN and SERVICEDESK_SLACK_SIGNING_SECRET to post."
    return None


@marketing.post("/campaigns/<int:campaign_id>/winner")
@login_required  # type: ignore[misc]
def pick_winner(campaign_id: int) -> ResponseReturnValue:
    """Decide the A/B test by hand (the leader, or the variant named) and send the rest."""
    container = container_of()
    with container.uow() as uow:
        marketing_viewer(uow.session, write=True)
        row = uow.session.get(Campaign, campaign_id) or abort(404)
        try:
            winner = choose_winner(uow.session, row, request.form.get("label") or None)
            uow.commit()
        except ValueError as error:
            flash(str(error), "error")
        else:
            container.tasks.enqueue("mail", "send_campaign", campaign_id)
            flash(f"Variant {winner} goes to the rest of the audience.", "ok")
    return redirect(url_for("marketing.campaign", campaign_id=campaign_id))
