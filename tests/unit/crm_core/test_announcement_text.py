"""A Slack announcement's text: values escaped for Slack, links made trackable."""

from __future__ import annotations

from crm_core.campaigns.announcements import render_slack_post


def test_a_campaign_named_like_a_mention_pings_nobody_and_links_are_tracked() -> None:
    text = render_slack_post(
        "{{ campaign.name }}: see https://shop.example/offer",
        {"campaign": {"name": "<!channel> & co"}},
        lambda url: f"https://desk.example/t/{len(url)}",
    )
    assert text == "&lt;!channel&gt; &amp; co: see https://desk.example/t/26"
