"""The satisfaction report: answers and satisfied share by agent, team, channel or category."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from flask import Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import login_required
from sqlalchemy import select

from servicedesk.current import container_of
from servicedesk.desk.deflections import count_deflections
from servicedesk.desk.models import Agent
from servicedesk.desk.satisfaction import (
    GROUPS,
    SatisfactionRow,
    ratings_of_agent,
    satisfaction_report,
)
from servicedesk.web.console.blueprint import console

DEFAULT_DAYS = 30


def _day(text: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


def _period() -> tuple[date, date]:
    today = datetime.now(UTC).date()
    until = _day(request.args.get("to"), today)
    since = _day(request.args.get("from"), until - timedelta(days=DEFAULT_DAYS))
    return (since, until) if since <= until else (until, since)


@console.get("/reports/satisfaction")
@login_required  # type: ignore[misc]
def satisfaction() -> ResponseReturnValue:
    """The report; `?format=csv` downloads the same rows."""
    by = request.args.get("by", "agent")
    by = by if by in GROUPS else "agent"
    since, until = _period()
    start = datetime.combine(since, datetime.min.time(), UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC)
    with container_of().uow() as uow:
        rows = satisfaction_report(uow.session, start, end, by)
        deflected = count_deflections(uow.session, start, end)
        agent_ids = {a.name: a.id for a in uow.session.scalars(select(Agent))}
    if request.args.get("format") == "csv":
        return _csv(rows, by)
    chart = {
        "labels": [row.group for row in rows],
        "satisfied": [round(100 * row.satisfied_share, 1) for row in rows],
    }
    return render_template(
        "console/satisfaction.html",
        rows=rows,
        by=by,
        groups=list(GROUPS),
        since=since,
        until=until,
        chart=chart,
        deflected=deflected,
        agent_ids=agent_ids,
    )


def _csv(rows: list[SatisfactionRow], by: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([by, "answers", "satisfied", "satisfied_share", "average_score"])
    for row in rows:
        writer.writerow(
            [
                row.group,
                row.answers,
                row.satisfied,
                f"{row.satisfied_share:.3f}",
                f"{row.average:.2f}",
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=satisfaction-by-{by}.csv"},
    )


@console.get("/agents/<int:agent_id>")
@login_required  # type: ignore[misc]
def agent_page(agent_id: int) -> ResponseReturnValue:
    """An agent's page: their satisfaction over the period and the latest ratings."""
    since, until = _period()
    start = datetime.combine(since, datetime.min.time(), UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), UTC)
    with container_of().uow() as uow:
        agent = uow.session.get(Agent, agent_id)
        if agent is None:
            abort(404)
        rows = satisfaction_report(uow.session, start, end, "agent")
        return render_template(
            "console/agent.html",
            agent=agent,
            row=next((r for r in rows if r.group == agent.name), None),
            ratings=ratings_of_agent(uow.session, agent_id),
            since=since,
            until=until,
        )
