"""Marketing pages: roles, live segment count, a campaign sent from the console through
aiosmtpd, and the public tracking endpoints refusing forged signatures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.engine import Engine

from crm_core.campaigns.models import Campaign, Delivery, Suppression
from crm_core.campaigns.tracking import CLICK, OPEN, UNSUBSCRIBE, make_token
from crm_core.sales.models import Activity, ActivityKind, Lead
from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.desk.accounts import create_agent
from tests.integration.marketing.helpers import Sink, make_audience, smtp_sink
from tests.integration.web.conftest import csrf_token, signed_in


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: the SQL itself is tested on both databases in tests/integration/marketing."""
    return f"sqlite:///{tmp_path / 'web.db'}"


@pytest.fixture
def sink() -> Iterator[tuple[Sink, str]]:
    with smtp_sink() as pair:
        yield pair


@pytest.fixture
def container(engine: Engine, tmp_path: Path, sink: tuple[Sink, str]) -> Iterator[Container]:
    config = Config(
        instance_dir=tmp_path / "instance",
        database_url=engine.url.render_as_string(hide_password=False),
        secret_key="test-secret",
        testing=True,
        mail_smtp_url=sink[1],
        mail_from="support@desk.example",
        marketing_rate=0,
    )
    built = Container.build(config, synchronous_jobs=True)
    with built.uow() as uow:
        create_agent(
            uow.session, "mia@desk.example", "mia-password", name="Mia", roles=["marketing"]
        )
        create_agent(
            uow.session, "rhea@desk.example", "rhea-password", name="Rhea", roles=["read-only"]
        )
        make_audience(uow, 3)
        uow.commit()
    yield built
    built.engine.dispose()


def test_roles_decide_who_sees_and_who_changes(app: Flask, agent_client: FlaskClient) -> None:
    assert agent_client.get("/marketing/").status_code == 403
    reader = signed_in(app, "rhea")
    assert reader.get("/marketing/").status_code == 200
    page = reader.get("/marketing/segments/new").get_data(as_text=True)
    response = reader.post(
        "/marketing/segments/new",
        data={"name": "x", "rules": "stage = loyal", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 403
    marketer = signed_in(app, "mia")
    assert 'href="/marketing/"' in marketer.get("/marketing/").get_data(as_text=True)
    console = agent_client.get("/console")  # a page with the navigation, as the agent sees it
    assert console.status_code == 200 and 'aria-label="Main"' in console.get_data(as_text=True)
    assert 'href="/marketing/"' not in console.get_data(as_text=True)


def test_marketer_builds_a_segment_and_sends_a_campaign(
    app: Flask, container: Container, sink: tuple[Sink, str]
) -> None:
    client = signed_in(app, "mia")
    page = client.get("/marketing/segments/new").get_data(as_text=True)
    token = csrf_token(page)
    preview = client.post(
        "/marketing/segments/preview",
        json={"rules": "stage = loyal"},
        headers={"X-CSRFToken": token},
    )
    assert preview.get_json() == {"count": 3}
    bad = client.post(
        "/marketing/segments/preview",
        json={"rules": "stage = happy"},
        headers={"X-CSRFToken": token},
    )
    assert bad.status_code == 400 and "stage" in bad.get_json()["error"]
    saved = client.post(
        "/marketing/segments/new",
        data={"name": "Loyal", "rules": "stage = loyal", "csrf_token": token},
    )
    assert saved.status_code == 302
    form = {
        "name": "Spring",
        "channel": "email",
        "segment_id": "1",
        "budget": "100",
        "actual_cost": "80",
        "attribution_days": "30",
        "subject_a": "Hi {{ customer.first_name }}",
        "text_a": "Spring news",
        "html_a": '<p><a href="https://shop.example/spring">Shop</a></p>',
        "ab_sample_percent": "0",
        "ab_metric": "click",
        "ab_hours": "24",
        "csrf_token": token,
    }
    forged = client.post(
        "/marketing/campaigns/new",
        data={**form, "name": "Bad", "subject_a": "{{ ''.__class__.__mro__ }}"},
    )
    assert forged.status_code == 400
    created = client.post("/marketing/campaigns/new", data=form)
    assert created.status_code == 302, created.get_data(as_text=True)
    campaign_url = created.headers["Location"]
    client.post(f"{campaign_url}/send", data={"csrf_token": token})
    mails, _ = sink
    assert sorted(mails.recipients) == [f"kim{n}@customer.example" for n in range(3)]
    page = client.get(campaign_url).get_data(as_text=True)
    assert "chart-campaign" in page and "/vendor/chart.umd.min.js" in page
    with container.uow() as uow:
        campaign = uow.session.scalar(select(Campaign).where(Campaign.name == "Spring"))
        assert campaign is not None and campaign.status.value == "sent"


def test_tracking_endpoints_refuse_forged_signatures(app: Flask, container: Container) -> None:
    with container.uow() as uow:
        delivery = Delivery(
            campaign_id=_campaign(uow), customer_id=1, email="kim0@customer.example"
        )
        uow.session.add(delivery)
        uow.commit()
        delivery_id = delivery.id
    client = app.test_client()
    forged = make_token("not-our-secret", CLICK, [delivery_id, "https://evil.example/"])
    response = client.get(f"/marketing/t/c/{forged}")
    assert response.status_code == 404 and "Location" not in response.headers
    good = make_token("test-secret", CLICK, [delivery_id, "https://shop.example/"])
    altered = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    assert client.get(f"/marketing/t/c/{altered}").status_code == 404
    assert client.get(f"/marketing/t/c/{good}").headers["Location"] == "https://shop.example/"
    pixel = client.get(f"/marketing/t/o/{make_token('test-secret', OPEN, delivery_id)}.gif")
    assert pixel.mimetype == "image/gif"
    assert (
        client.post(f"/marketing/u/{make_token('nope', UNSUBSCRIBE, delivery_id)}").status_code
        == 404
    )
    assert (
        client.post(
            f"/marketing/u/{make_token('test-secret', UNSUBSCRIBE, delivery_id)}"
        ).status_code
        == 200
    )
    with container.uow() as uow:
        row = uow.session.get(Delivery, delivery_id)
        assert row is not None and row.clicked_at is not None and row.opened_at is not None
        # The click is a campaign response: a lead for the address, with the click logged.
        lead = uow.session.scalars(select(Lead)).one()
        assert (lead.email, lead.campaign_id) == ("kim0@customer.example", row.campaign_id)
        kinds = uow.session.scalars(select(Activity.kind).where(Activity.lead_id == lead.id))
        assert list(kinds) == [ActivityKind.CAMPAIGN_CLICK]
        assert uow.session.get(Suppression, "kim0@customer.example") is not None


def _campaign(uow) -> int:  # type: ignore[no-untyped-def]
    campaign = Campaign(name="Tracked")
    uow.session.add(campaign)
    uow.session.flush()
    return campaign.id


def test_ab_campaign_sample_then_winner_by_hand(
    app: Flask, container: Container, sink: tuple[Sink, str]
) -> None:
    from crm_core.access import Viewer
    from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
    from crm_core.campaigns.segments import save_segment

    with container.uow() as uow:
        make_audience(uow, 7, start=3)  # ten loyal customers with the fixture's three
        segment = save_segment(uow.session, "All loyal", "stage = loyal")
        mails = [MailDraft(label, f"{label} subject", "Hello") for label in "AB"]
        draft = CampaignDraft("Test AB", segment_id=segment.id, mails=mails, ab_sample_percent=50)
        campaign_id = save_campaign(uow.session, Viewer.system(), draft).id
        uow.commit()
    client = signed_in(app, "mia")
    token = csrf_token(client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True))
    client.post(f"/marketing/campaigns/{campaign_id}/send", data={"csrf_token": token})
    mails, _ = sink
    sample = len(mails.recipients)
    assert 0 < sample < 10
    page = client.get(f"/marketing/campaigns/{campaign_id}").get_data(as_text=True)
    assert "A/B test" in page and "Send the winner to the rest" in page
    reader = signed_in(app, "rhea")
    assert "Send the winner" not in reader.get(f"/marketing/campaigns/{campaign_id}").get_data(
        as_text=True
    )
    client.post(
        f"/marketing/campaigns/{campaign_id}/winner", data={"csrf_token": token, "label": "B"}
    )
    assert len(mails.recipients) == len(set(mails.recipients)) == 10
    later = [m["Subject"] for _, m in mails.mails[sample:]]
    assert set(later) == {"B subject"}


def test_a_banner_is_planned_in_the_console_and_slack_needs_its_channels(
    app: Flask, container: Container
) -> None:
    client = signed_in(app, "mia")
    token = csrf_token(client.get("/marketing/campaigns/new").get_data(as_text=True))
    form = {
        "name": "Help banner",
        "channel": "portal",
        "segment_id": "0",
        "budget": "0",
        "actual_cost": "0",
        "attribution_days": "30",
        "subject_a": "Spring offers",
        "text_a": "Spring offers",
        "html_a": '<p><a href="https://shop.example/">Shop</a></p>',
        "ab_sample_percent": "0",
        "ab_metric": "click",
        "ab_hours": "24",
        "show_anonymous": "y",
        "csrf_token": token,
    }
    slack = client.post("/marketing/campaigns/new", data={**form, "channel": "slack"})
    assert slack.status_code == 400 and "slack_channels:" in slack.get_data(as_text=True)
    created = client.post("/marketing/campaigns/new", data=form)
    assert created.status_code == 302, created.get_data(as_text=True)
    client.post(f"{created.headers['Location']}/send", data={"csrf_token": token})
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "impressions" in page and "anonymous visitors too" in page
    assert "Spring offers" in app.test_client().get("/help").get_data(as_text=True)
