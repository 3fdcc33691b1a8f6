"""The resource library's demo: loaded twice without duplicates, the demo campaign sent
from the library's email template, the Slack post template renders."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from crm_core.campaigns.models import Campaign, Variant
from crm_core.campaigns.resources import Resource, ResourceKind, render_slack_post
from crm_core.campaigns.resources.library import version_of
from crm_core.campaigns.resources.usage import use_counts
from knowledge.models import Article, Visibility
from servicedesk.demo_marketing import CAMPAIGN, load_marketing_demo
from servicedesk.demo_resources import EMAIL_TEMPLATE, load_resource_demo
from tests.integration.resources.helpers import store_in


def test_the_demo_library_and_the_campaign_sent_from_it(uow_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = store_in(tmp_path)
    articles = load_resource_demo(uow_factory, store)
    assert len(articles) == 4
    assert load_resource_demo(uow_factory, store) == []  # idempotent
    load_marketing_demo(uow_factory)
    with uow_factory() as uow:
        session = uow.session
        kinds = sorted(r.kind.value for r in session.scalars(select(Resource)))
        assert kinds == ["case_study", "email_template", "slack_template", "white_paper"]
        template = session.scalars(select(Resource).where(Resource.title == EMAIL_TEMPLATE)).one()
        campaign_id = session.scalar(select(Campaign.id).where(Campaign.name == CAMPAIGN))
        pinned = session.scalars(
            select(Variant.template_version_id).where(
                Variant.campaign_id == campaign_id, Variant.label == "A"
            )
        ).one()
        assert pinned == template.current_version_id
        assert use_counts(session, [template.id])[template.id] == {"campaign": 1}
        slack = session.scalars(
            select(Resource).where(Resource.kind == ResourceKind.SLACK_TEMPLATE)
        ).one()
        post = render_slack_post(
            version_of(session, slack.id),
            {"campaign": {"name": "Autumn", "goal": "Come back"}, "link": "https://x.example"},
        )
        assert post == "*Autumn* is live: Come back\n<https://x.example|Read more>"
        visibilities = {a.visibility for a in session.scalars(select(Article))}
        assert visibilities == {Visibility.INTERNAL}
