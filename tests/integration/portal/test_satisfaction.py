"""Satisfaction: asked once when solved, answered from the mail link or the help centre,
always through the one rating rule; the report counts every channel."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from crm_core.db import utcnow
from servicedesk.container import Container
from servicedesk.desk.feedback import RequestRating
from servicedesk.desk.models import ServiceRequest, Status
from servicedesk.desk.operations import change_status
from servicedesk.desk.satisfaction import RatingInvitation, satisfaction_report
from tests.fixtures.smtp import Sink
from tests.integration.portal.conftest import mail_in, sign_in
from tests.integration.web.conftest import csrf_token
from tests.integration.web.conftest import sign_in as agent_sign_in

RATE_LINK = re.compile(r"http://[^\s]+(/help/rate/[A-Za-z0-9_.\-]+)")


def solve(container: Container, request_id: int) -> None:
    with container.uow() as uow:
        change_status(uow, request_id, Status.SOLVED)
        uow.commit()


def rating_mails(sink: Sink) -> list[str]:
    return [
        m.get_payload(decode=True).decode()
        for m in sink.mails
        if str(m["Subject"]).startswith("How did we do?")
    ]


def test_solved_email_request_is_asked_once_and_answered_from_the_link(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    sink, _ = smtp_sink
    rid = mail_in(container, "maria@customer.example", "Broken lamp")
    solve(container, rid)
    with container.uow() as uow:  # reopened and solved again: still asked only once
        change_status(uow, rid, Status.OPEN)
        uow.commit()
    solve(container, rid)
    mails = rating_mails(sink)
    assert len(mails) == 1
    link = RATE_LINK.search(mails[0])
    assert link
    client = app.test_client()
    page = client.get(link.group(1)).get_data(as_text=True)
    response = client.post(
        link.group(1),
        data={"csrf_token": csrf_token(page), "rating": "good", "comment": "Quick, thanks"},
    )
    assert response.status_code == 200
    with container.uow() as uow:
        rating = uow.session.scalars(select(RequestRating)).one()
        assert (rating.score, rating.channel, rating.comment) == (1, "email", "Quick, thanks")
        assert uow.session.scalar(select(func.count(RatingInvitation.request_id))) == 1


def test_forged_rating_link_is_404(app: Flask) -> None:
    assert app.test_client().get("/help/rate/MQ.forged").status_code == 404


def test_open_request_cannot_be_rated_from_the_portal(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    rid = mail_in(container, "maria@customer.example", "Broken lamp")
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    page = client.get(f"/help/requests/{rid}").get_data(as_text=True)
    response = client.post(
        f"/help/requests/{rid}/rate",
        data={"csrf_token": csrf_token(page), "rating": "good"},
        follow_redirects=True,
    )
    assert "not solved yet" in response.get_data(as_text=True)
    solve(container, rid)
    client.post(
        f"/help/requests/{rid}/rate", data={"csrf_token": csrf_token(page), "rating": "bad"}
    )
    client.post(
        f"/help/requests/{rid}/rate", data={"csrf_token": csrf_token(page), "rating": "good"}
    )
    with container.uow() as uow:
        ratings = uow.session.scalars(select(RequestRating)).all()
        assert [(r.score, r.channel) for r in ratings] == [(1, "portal")]  # changed, not added


@pytest.fixture
def five_point(container: Container) -> Container:
    container.config = dataclasses.replace(container.config, rating_scale="one_to_five")
    return container


def test_one_to_five_scale_and_the_report(
    app: Flask, five_point: Container, smtp_sink: tuple[Sink, int]
) -> None:
    container = five_point
    first = mail_in(container, "maria@customer.example", "Broken lamp")
    second = mail_in(container, "maria@customer.example", "Late parcel")
    solve(container, first)
    solve(container, second)
    client = app.test_client()
    sign_in(client, smtp_sink[0], "maria@customer.example")
    page = client.get(f"/help/requests/{first}").get_data(as_text=True)
    assert 'value="5"' in page and 'value="good"' not in page
    token = csrf_token(page)
    bad = client.post(f"/help/requests/{first}/rate", data={"csrf_token": token, "rating": "good"})
    assert bad.status_code == 302
    client.post(f"/help/requests/{first}/rate", data={"csrf_token": token, "rating": "5"})
    client.post(f"/help/requests/{second}/rate", data={"csrf_token": token, "rating": "2"})
    with container.uow() as uow:
        now = utcnow()
        rows = satisfaction_report(
            uow.session, now - timedelta(days=1), now + timedelta(1), "channel"
        )
    assert [(r.group, r.answers, r.satisfied, r.average) for r in rows] == [("portal", 2, 1, 3.5)]


def test_agents_see_the_rating_and_the_report(
    app: Flask, container: Container, smtp_sink: tuple[Sink, int]
) -> None:
    rid = mail_in(container, "maria@customer.example", "Broken lamp")
    solve(container, rid)
    customer = app.test_client()
    sign_in(customer, smtp_sink[0], "maria@customer.example")
    page = customer.get(f"/help/requests/{rid}").get_data(as_text=True)
    customer.post(
        f"/help/requests/{rid}/rate",
        data={"csrf_token": csrf_token(page), "rating": "bad", "comment": "Too slow"},
    )
    agent = app.test_client()
    assert agent_sign_in(agent).status_code == 302
    request_page = agent.get(f"/console/requests/{rid}").get_data(as_text=True)
    assert "Satisfaction" in request_page and "Too slow" in request_page
    report = agent.get("/console/reports/satisfaction?by=channel").get_data(as_text=True)
    assert "portal" in report and "satisfaction-chart" in report
    csv_text = agent.get("/console/reports/satisfaction?by=channel&format=csv").get_data(
        as_text=True
    )
    assert csv_text.splitlines() == [
        "channel,answers,satisfied,satisfied_share,average_score",
        "portal,1,0,0.000,0.00",
    ]
    assert app.test_client().get("/console/reports/satisfaction").status_code == 302
    with container.uow() as uow:  # the agent's own page shows the ratings of their requests
        found = uow.session.get(ServiceRequest, rid)
        assert found is not None
        found.assignee_id = 1
        uow.commit()
    page = agent.get("/console/agents/1").get_data(as_text=True)
    assert "Too slow" in page and "0 %</strong> satisfied of 1 answers" in page
