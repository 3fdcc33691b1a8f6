"""Usage counts, and campaigns sent from a pinned library template (SQLite, PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.campaigns.models import Campaign, Variant
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.resources import library
from crm_core.campaigns.resources.files import ResourceInvalid
from crm_core.campaigns.resources.models import UseKind
from crm_core.campaigns.resources.usage import record_use, use_counts
from crm_core.campaigns.segments import save_segment
from crm_core.db import utcnow
from servicedesk.campaign_mail import run_campaign
from servicedesk.desk.campaigns import start_campaign
from tests.integration.marketing.helpers import SETTINGS, make_audience, smtp_sink
from tests.integration.resources.helpers import EMAIL, MARKETER, pdf_file, store_in, white_paper


def _campaign(uow, version_id: int, name: str = "Spring") -> int:  # type: ignore[no-untyped-def]
    segment = save_segment(uow.session, f"Loyal {name}", "stage = loyal")
    mails = [MailDraft("A", "", "", template_version_id=version_id)]
    draft = CampaignDraft(name=name, segment_id=segment.id, mails=mails)
    return save_campaign(uow.session, Viewer.system(), draft).id


def test_a_campaign_sends_its_pinned_template_version_and_counts_one_use(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        make_audience(uow, 2)
        resource = library.create_resource(uow.session, MARKETER, EMAIL)
        pinned = resource.current_version_id
        campaign_id = _campaign(uow, pinned)
        # A later edit of the template does not change what the campaign sends.
        library.edit_resource(uow.session, MARKETER, resource.id, replace(EMAIL, subject="Other"))
        uow.commit()
        resource_id = resource.id
    with smtp_sink() as (sink, url):
        assert run_campaign(uow_factory, campaign_id, SETTINGS, url, utcnow).sent == 2
        assert run_campaign(uow_factory, campaign_id, SETTINGS, url, utcnow).sent == 0
    subjects = sorted(str(mail["Subject"]) for _, mail in sink.mails)
    assert subjects == ["Spring news for Kim0", "Spring news for Kim1"]
    with uow_factory() as uow:
        variant = uow.session.scalars(
            select(Variant).where(Variant.campaign_id == campaign_id)
        ).one()
        assert variant.template_version_id == pinned
        # Planned again (a resumed worker): the campaign still counts once.
        start_campaign(uow.session, uow.session.get(Campaign, campaign_id), utcnow())
        uow.commit()
        assert use_counts(uow.session, [resource_id])[resource_id] == {"campaign": 1}


def test_a_campaign_cannot_pin_anything_but_an_email_template(uow_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        paper = library.create_resource(
            uow.session, MARKETER, white_paper(), pdf_file(store_in(tmp_path))
        )
        with pytest.raises(
            ResourceInvalid, match=r"template: \d+ is not an email template version"
        ):
            _campaign(uow, paper.current_version_id)


def test_usage_counts_by_kind(uow_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = store_in(tmp_path)
    with uow_factory() as uow:
        template = library.create_resource(uow.session, MARKETER, EMAIL)
        paper = library.create_resource(uow.session, MARKETER, white_paper(), pdf_file(store))
        version, file_version = template.current_version_id, paper.current_version_id
        ids = [template.id, paper.id]
        uow.commit()
    with uow_factory() as uow:
        # A workflow step counts once per enrolment and step, however often it is retried.
        assert record_use(uow.session, version, UseKind.WORKFLOW, "workflow:1:2")
        assert not record_use(uow.session, version, UseKind.WORKFLOW, "workflow:1:2")
        assert record_use(uow.session, version, UseKind.WORKFLOW, "workflow:2:2")
        with pytest.raises(ValueError, match="ref: "):
            record_use(uow.session, version, UseKind.CAMPAIGN)
        # Every download and every fetch through the signed link counts.
        for kind in (UseKind.DOWNLOAD, UseKind.DOWNLOAD, UseKind.LINK):
            assert record_use(uow.session, file_version, kind)
        uow.commit()
    with uow_factory() as uow:
        counts = use_counts(uow.session, ids)
    assert counts[ids[0]] == {"workflow": 2}
    assert counts[ids[1]] == {"download": 2, "link": 1}
    assert counts[ids[1]].total() == 3
