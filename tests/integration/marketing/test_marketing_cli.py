"""`servicedesk marketing ...` as users run it, on the demo's data and an SMTP sink."""

from __future__ import annotations

import json
import os

from crm_core.access import Viewer
from crm_core.campaigns.models import Channel
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.segments import find_segment
from servicedesk.demo_marketing import load_marketing_demo
from servicedesk.demo_sales import load_sales_demo
from tests.integration.crm.test_crm_cli import cli_env, run
from tests.integration.marketing.helpers import smtp_sink

__all__ = ["cli_env"]  # the fixture, imported to be used here


def test_segment_count_send_and_report(cli_env: dict[str, str]) -> None:
    from servicedesk.cli.context import container

    with smtp_sink() as (sink, url):
        mail = {"MAIL_SMTP_URL": url, "MAIL_FROM": "help@desk.example", "MARKETING_RATE": "0"}
        env = {**cli_env, **{f"SERVICEDESK_{name}": value for name, value in mail.items()}}
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            built = container()
            load_sales_demo(built.uow, built.config.lifecycle_rules())
            load_marketing_demo(built.uow)
            load_marketing_demo(built.uow)  # idempotent
            with built.uow() as uow:
                segment = find_segment(uow.session, "Buying customers")
                assert segment is not None
                mails = [MailDraft("A", "Hello {{ customer.first_name }}", "Winter is coming")]
                draft = CampaignDraft("Winter", segment_id=segment.id, mails=mails)
                save_campaign(uow.session, Viewer.system(), draft)
                uow.commit()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        count = json.loads(run(env, "marketing", "segment-count", "Buying customers", "--json"))
        assert count["count"] == 4
        assert "would go to 4 of 4" in run(env, "marketing", "send", "Winter", "--dry-run")
        assert sink.recipients == []
        assert "4 sent" in run(env, "marketing", "send", "Winter")
        assert "0 sent" not in run(env, "marketing", "send", "Winter")  # still 4, none twice
        assert len(sink.recipients) == len(set(sink.recipients)) == 4
    report = json.loads(run(env, "marketing", "report", "Autumn offer (demo)", "--json"))
    assert report["figures"]["sent"] == 4 and report["ab_test"]["leader"] == "B"
    assert report["ab_test"]["p_value"] is not None
    assert "significant" in run(env, "marketing", "report", "Autumn offer (demo)")


def test_send_and_report_a_slack_announcement_and_a_banner(cli_env: dict[str, str]) -> None:
    from servicedesk.cli.context import container
    from tests.fixtures.slack_stub import running_stub

    with running_stub() as stub:
        slack = {
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_BOT_TOKEN": "xoxb-t",
            "SLACK_API_URL": stub.api_url,
        }
        env = {**cli_env, **{f"SERVICEDESK_{name}": value for name, value in slack.items()}}
        saved = dict(os.environ)
        os.environ.update(env)
        try:
            with container().uow() as uow:
                for name, channel, extra in (
                    ("News", Channel.SLACK, {"slack_channels": "CNEWS CTEAM"}),
                    ("Banner", Channel.PORTAL, {}),
                ):
                    mails = [MailDraft("A", "Spring", "Spring is here: https://shop.example/")]
                    draft = CampaignDraft(name, channel=channel, mails=mails, **extra)  # type: ignore[arg-type]
                    save_campaign(uow.session, Viewer.system(), draft)
                uow.commit()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        assert "['CNEWS', 'CTEAM']" in run(env, "marketing", "send", "News", "--dry-run")
        assert stub.called("chat.postMessage") == []
        assert "posted in 2 Slack channels" in run(env, "marketing", "send", "News")
        assert "posted in 2 Slack channels" in run(env, "marketing", "send", "News")
        assert len(stub.called("chat.postMessage")) == 2  # not one more on the second run
        report = json.loads(run(env, "marketing", "report", "News", "--json"))
        assert report["figures"]["posted"] == 2 and report["campaign"]["status"] == "sent"
        assert "every signed-in customer" in run(env, "marketing", "send", "Banner", "--dry-run")
        assert "banner sending, 0 views" in run(env, "marketing", "send", "Banner")
        assert "impressions" in run(env, "marketing", "report", "Banner")
