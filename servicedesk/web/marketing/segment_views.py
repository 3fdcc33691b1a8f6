"""The marketing overview and the segment pages, with the live count preview."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from crm_core.campaigns.analytics import channel_report, responsiveness
from crm_core.campaigns.models import Campaign, Segment
from crm_core.campaigns.segments import SegmentError, save_segment
from crm_core.db import utcnow
from servicedesk.current import container_of
from servicedesk.desk.campaigns import count_segment
from servicedesk.web.marketing.access import marketing_viewer
from servicedesk.web.marketing.blueprint import marketing
from servicedesk.web.marketing.forms import SegmentForm

RULE_HELP = [
    ("stage = loyal", "lifecycle stage (in new,returning; != churned)"),
    ("became = churned within 90", "moved into a stage in the last 90 days"),
    ("orders = 0 within 60", "no order in 60 days (orders >= 3: three or more ever)"),
    ("revenue >= 1000 within 365", "order revenue"),
    ("open_requests >= 1", "has an open request; requests >= 1 within 30: asked recently"),
    ("campaigns = 0 within 30", "campaign mails received; received/opened/clicked = ID"),
    ("organisation = 4", "organisation id; tier = gold; owner = agent id; vip = true"),
    ("tag = beta, reseller", "carries any of these tags; tag != beta: carries none"),
]


@marketing.get("/")
@login_required  # type: ignore[misc]
def index() -> ResponseReturnValue:
    with container_of().uow() as uow:
        viewer = marketing_viewer(uow.session)
        campaigns = uow.session.scalars(select(Campaign).order_by(Campaign.created_at.desc())).all()
        segments = uow.session.scalars(select(Segment).order_by(Segment.name)).all()
        return render_template(
            "marketing/index.html",
            campaigns=campaigns,
            segments=segments,
            channels=channel_report(uow.session),
            responsive=responsiveness(uow.session),
            may_write=viewer.may_write,
        )


@marketing.route("/segments/new", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def new_segment() -> ResponseReturnValue:
    return _segment(None)


@marketing.route("/segments/<int:segment_id>", methods=["GET", "POST"])
@login_required  # type: ignore[misc]
def segment(segment_id: int) -> ResponseReturnValue:
    return _segment(segment_id)


def _segment(segment_id: int | None) -> ResponseReturnValue:
    form = SegmentForm()
    with container_of().uow() as uow:
        viewer = marketing_viewer(uow.session, write=form.is_submitted())
        count = None
        if not form.is_submitted() and segment_id is not None:
            row = uow.session.get(Segment, segment_id) or abort(404)
            form = SegmentForm(obj=row)
            count = _safe_count(uow.session, row.rules)
        elif form.validate_on_submit():
            try:
                saved = save_segment(
                    uow.session, form.name.data or "", form.rules.data or "", segment_id
                )
                uow.commit()
            except (SegmentError, LookupError) as error:
                form.rules.errors = [str(error)]
            else:
                flash("Segment saved.", "ok")
                return redirect(url_for("marketing.segment", segment_id=saved.id))
    status = 400 if form.is_submitted() else 200
    page = render_template(
        "marketing/segment.html", form=form, count=count, help=RULE_HELP, may_write=viewer.may_write
    )
    return page, status


def _safe_count(session, rules: str) -> int | None:  # type: ignore[no-untyped-def]
    try:
        return count_segment(session, rules, utcnow())
    except SegmentError:
        return None


@marketing.post("/segments/preview")
@login_required  # type: ignore[misc]
def preview_segment() -> ResponseReturnValue:
    """The live count of the rules typed so far (the segment page's fetch)."""
    rules = str((request.get_json(silent=True) or {}).get("rules", ""))[:5000]
    with container_of().uow() as uow:
        marketing_viewer(uow.session)
        try:
            return jsonify(count=count_segment(uow.session, rules, utcnow()))
        except SegmentError as error:
            return jsonify(error=str(error)), 400
