"""Template resources in the sandbox: a marketer's template never reaches Python objects."""

from __future__ import annotations

import pytest

from crm_core.campaigns.rendering import TemplateProblem
from crm_core.campaigns.resources.files import ResourceInvalid, Upload, check_upload, safe_filename
from crm_core.campaigns.resources.models import ResourceKind, ResourceVersion
from crm_core.campaigns.resources.templates import (
    check_template_parts,
    render_slack_post,
    render_slack_text,
)

CONTEXT = {"campaign": {"name": "Spring", "goal": "Win back"}, "link": "https://x.example/s"}


def _version(text: str) -> ResourceVersion:
    return ResourceVersion(body_text=text)


def test_a_slack_post_renders_with_its_values_escaped_for_mrkdwn() -> None:
    post = render_slack_post(
        _version("*{{ campaign.name }}* is live: {{ campaign.goal }}\n<{{ link }}|Read more>"),
        {**CONTEXT, "campaign": {"name": "<!channel> & co", "goal": "Win back"}},
    )
    # The template's own link syntax stays; the value's mention cannot ping anyone.
    assert post == "*&lt;!channel&gt; &amp; co* is live: Win back\n<https://x.example/s|Read more>"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ campaign.__class__.__init__.__globals__ }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ (1).__class__.__base__.__subclasses__() }}",
        "{% for x in ''.__class__.__mro__ %}{{ x }}{% endfor %}",
    ],
)
def test_a_slack_template_cannot_reach_python_internals(source: str) -> None:
    with pytest.raises(TemplateProblem):
        render_slack_text(source, CONTEXT)
    with pytest.raises(ResourceInvalid, match="body_text: "):
        check_template_parts(ResourceKind.SLACK_TEMPLATE, "", source, "")


def test_a_harmless_lookup_of_an_internal_name_prints_nothing() -> None:
    assert render_slack_text("[{{ ''.__class__ }}]", CONTEXT) == "[]"


def test_a_template_is_given_plain_data_only() -> None:
    class Secretive:
        password = "hunter2"

    with pytest.raises(TypeError, match=r"context.campaign: templates take plain data"):
        render_slack_text("{{ campaign.password }}", {"campaign": Secretive()})


def test_an_email_template_is_checked_in_the_campaign_sandbox_naming_the_field() -> None:
    check_template_parts(ResourceKind.EMAIL_TEMPLATE, "Hi {{ customer.first_name }}", "x", "")
    with pytest.raises(
        ResourceInvalid, match=r"subject: access to attribute '__class__' of 'str' object is unsafe"
    ):
        check_template_parts(ResourceKind.EMAIL_TEMPLATE, "{{ ''.__class__.__mro__ }}", "text", "")
    with pytest.raises(ResourceInvalid, match=r"body_html: 'nobody' is undefined"):
        check_template_parts(ResourceKind.EMAIL_TEMPLATE, "Hi", "text", "{{ nobody.name }}")


def test_uploaded_names_are_made_safe_and_types_come_from_the_extension() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\x\\Case study (2026).PDF") == "Case_study_2026_.PDF"
    assert safe_filename('evil"\r\nX-Header: 1.pdf') == "evil_X-Header_1.pdf"
    checked = check_upload(Upload("Sheet.PDF", b"%PDF-1.7 ..."))
    assert (checked.filename, checked.content_type) == ("Sheet.PDF", "application/pdf")
    with pytest.raises(ResourceInvalid, match=r"file: .html is not one of"):
        check_upload(Upload("page.html", b"<script>alert(1)</script>"))
