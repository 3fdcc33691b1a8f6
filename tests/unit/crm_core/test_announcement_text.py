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


def test_only_a_reply_whose_every_word_acknowledges_asks_for_nothing() -> None:
    from crm_core.campaigns.replies import asks_for_help

    for nothing in ("Thanks!", "Great, will do. Thanks again", "Danke schön!", "谢谢"):
        assert not asks_for_help(nothing), nothing
    for something in (
        "ok my order never arrived",
        "Thanks, Maria",
        "How do I cancel",
        "",
        "好的\uff1f",
    ):
        assert asks_for_help(something), something
