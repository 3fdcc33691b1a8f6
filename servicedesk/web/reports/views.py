"""Service report page and its CSV: parse the period, call the report, render."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required

from servicedesk.current import container_of
from servicedesk.desk.reports.service import CSV_COLUMNS, DIMENSIONS, Group, service_report
from servicedesk.web.reports.blueprint import reports


def _period() -> tuple[date, date]:
    """`from` and `to` (inclusive days) from the query; the last 30 days by default."""
    today = datetime.now(UTC).date()
    try:
        start = date.fromisoformat(request.args.get("from") or str(today - timedelta(days=29)))
        end = date.fromisoformat(request.args.get("to") or str(today))
    except ValueError:
        abort(400, "from, to: dates as YYYY-MM-DD")
    if end < start:
        abort(400, "to: the end comes before the start")
    return start, end


def _groups(start: date, end: date) -> list[Group]:
    begin = datetime.combine(start, datetime.min.time(), tzinfo=UTC)
    stop = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    with container_of().uow() as uow:
        return service_report(uow.session, begin, stop)


@reports.get("/service")
@login_required  # type: ignore[misc]
def service() -> ResponseReturnValue:
    start, end = _period()
    groups = _groups(start, end)
    by_dimension = {d: [g for g in groups if g.dimension == d] for d in ("all", *DIMENSIONS)}
    return render_template(
        "reports/service.html",
        start=start,
        end=end,
        by_dimension=by_dimension,
        chart={d: [g.as_dict() for g in by_dimension[d]] for d in DIMENSIONS},
    )


@reports.get("/service.csv")
@login_required  # type: ignore[misc]
def service_csv() -> ResponseReturnValue:
    start, end = _period()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for group in _groups(start, end):
        writer.writerow(group.as_dict())
    name = f"service-report-{start}-{end}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
