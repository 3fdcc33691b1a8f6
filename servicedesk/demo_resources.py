"""Resource library demo data for `servicedesk demo`: a white paper (PDF), a case study,
the email template the demo campaign is sent with, and a Slack post template.

Idempotent: resources are looked up by title. Returns the ids of the search articles to
index, so the console's search finds them at once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from crm_core.access import Viewer
from crm_core.campaigns.resources.files import BlobStore, Upload
from crm_core.campaigns.resources.library import FileInput, ResourceDraft, create_resource
from crm_core.campaigns.resources.models import Resource, ResourceKind
from crm_core.db import UnitOfWork
from servicedesk.desk.resource_search import sync_resource_document

EMAIL_TEMPLATE = "Autumn offer email (demo)"
HTML = (
    "<p>Hello {{ customer.first_name }},</p><p>Our autumn offer is on: "
    '<a href="https://shop.example/autumn">see what is new</a>.</p>'
)
# A one-page PDF, small enough to write out (a real file: readers open it).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
CASE_STUDY = (
    b"# How Northwind cut first-response time in half\n\n"
    b"Northwind moved email, Slack and chat into one queue with SLA clocks...\n"
)
TEMPLATES = [
    ResourceDraft(
        ResourceKind.EMAIL_TEMPLATE, EMAIL_TEMPLATE, "The demo campaign's mail.",
        ["autumn", "offer"], subject="Our autumn offer, {{ customer.first_name }}",
        body_text="See shop.example/autumn", body_html=HTML,
    ),
    ResourceDraft(
        ResourceKind.SLACK_TEMPLATE, "Campaign launch post (demo)",
        "Announces a campaign in the team's Slack channel.", ["launch"],
        body_text="*{{ campaign.name }}* is live: {{ campaign.goal }}\n<{{ link }}|Read more>",
    ),
]  # fmt: skip
FILES = [
    (
        ResourceDraft(
            ResourceKind.WHITE_PAPER, "Omnichannel support white paper (demo)",
            "Why one queue for every channel beats a tool per channel.", ["omnichannel"],
        ),
        Upload("omnichannel-white-paper.pdf", PDF),
    ),
    (
        ResourceDraft(
            ResourceKind.CASE_STUDY, "Northwind case study (demo)",
            "A retailer halves its first-response time.", ["retail", "sla"],
        ),
        Upload("northwind-case-study.md", CASE_STUDY),
    ),
]  # fmt: skip


def load_resource_demo(uow_factory: Callable[[], UnitOfWork], store: BlobStore) -> list[int]:
    """Load the library's demo resources; returns the search article ids to index."""
    viewer = Viewer.system()
    articles: list[int] = []
    with uow_factory() as uow:
        session = uow.session
        known = set(session.scalars(select(Resource.title)))
        wanted = [(draft, None) for draft in TEMPLATES] + [
            (draft, FileInput(upload, store)) for draft, upload in FILES
        ]
        for draft, file in wanted:
            if draft.title in known:
                continue
            resource = create_resource(session, viewer, draft, file)
            article_id = sync_resource_document(session, resource)
            if article_id is not None:
                articles.append(article_id)
        uow.commit()
    return articles
