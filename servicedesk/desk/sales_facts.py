"""What the sales side needs from the desk: agents' names and teams, customers' activity.

Teams, agents and requests live in the desk, above crm_core, so the forecast and the
lifecycle job are handed these plain mappings.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_core.access import Viewer
from crm_core.sales.forecast import Forecast, GroupBy, WhatIf, forecast, load_deals
from servicedesk.desk.models import Agent, ServiceRequest, Team, team_members


def agent_names(session: Session) -> dict[int, str]:
    """Every agent's id and name."""
    return dict(session.execute(select(Agent.id, Agent.name)).all())


def agent_teams(session: Session) -> dict[int, str]:
    """Each agent's team for the forecast by team: the first by name when they have several."""
    rows = session.execute(
        select(team_members.c.agent_id, Team.name)
        .join(Team, Team.id == team_members.c.team_id)
        .order_by(Team.name.desc())
    )
    return dict(rows.all())  # later rows win: the first team by name


def agent_by_email(session: Session, email: str) -> Agent | None:
    return session.scalars(select(Agent).where(func.lower(Agent.email) == email.lower())).first()


def last_request_activity(session: Session) -> dict[int, datetime]:
    """Each customer's latest request activity, which keeps them from counting as churned."""
    query = select(ServiceRequest.customer_id, func.max(ServiceRequest.updated_at)).group_by(
        ServiceRequest.customer_id
    )
    return dict(session.execute(query).all())


def forecast_for(
    session: Session,
    viewer: Viewer,
    by: GroupBy,
    what_if: WhatIf | None = None,
    currency: str = "EUR",
) -> Forecast:
    """The forecast the CLI prints and the console shows, with the desk's names and teams."""
    slip_days = what_if.slip_days if what_if else 0
    deals = load_deals(session, viewer, currency, by=by, slip_days=slip_days)
    teams = agent_teams(session) if by is GroupBy.TEAM else {}
    names = agent_names(session) if by is GroupBy.REP else {}
    return forecast(deals, by, what_if, teams=teams, names=names, currency=currency)
