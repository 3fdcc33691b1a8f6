"""Lead sources and campaign attribution of won revenue: a page with a chart, and CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from crm_core.db import utcnow
from crm_core.sales.lead_report import lead_source_report, report_csv_rows
from servicedesk.current import container_of
from servicedesk.web.sales.blueprint import sales
from servicedesk.web.sales.lead_support import lead_viewer

PERIODS = {"30": 30, "90": 90, "365": 365, "all": None}


def _options() -> tuple[str, str]:
    by = "campaign" if request.args.get("by") == "campaign" else "source"
    period = request.args.get("days", "all")
    return by, period if period in PERIODS else "all"


@sales.get("/reports/lead-sources")
@login_required  # type: ignore[misc]
def lead_sources() -> ResponseReturnValue:
    by, period = _options()
    days = PERIODS[period]
    since = utcnow() - timedelta(days=days) if days else None
    with container_of().uow() as uow:
        rows = lead_source_report(uow.session, lead_viewer(uow.session), by=by, since=since)
    if request.args.get("format") == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(report_csv_rows(rows))
        name = f"lead-{by}s-{period}.csv"
        return Response(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )
    chart = {
        "labels": [r.key for r in rows],
        "leads": [r.leads for r in rows],
        "converted": [r.converted for r in rows],
    }
    return render_template(
        "sales/lead_sources.html", rows=rows, by=by, period=period, periods=PERIODS, chart=chart
    )
