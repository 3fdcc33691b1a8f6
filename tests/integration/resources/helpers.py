"""Shared pieces of the resource library tests: a marketer, a store, drafts."""

from __future__ import annotations

from pathlib import Path

from crm_core.access import MARKETING, Viewer
from crm_core.campaigns.resources.files import Upload
from crm_core.campaigns.resources.library import FileInput, ResourceDraft
from crm_core.campaigns.resources.models import ResourceKind
from servicedesk.desk.attachments import AttachmentStore

MARKETER = Viewer(user_id=7, roles=frozenset({MARKETING}), name="Mia")
PDF = b"%PDF-1.4\n% a tiny test file\n%%EOF\n"
EMAIL = ResourceDraft(
    ResourceKind.EMAIL_TEMPLATE,
    "Spring newsletter",
    "Sent to loyal customers every spring.",
    ["Newsletter", "spring", "newsletter"],
    subject="Spring news for {{ customer.first_name }}",
    body_text="Hello {{ customer.first_name }},\nour spring range is in.",
    body_html='<p>Hello {{ customer.first_name }}</p><a href="https://shop.example/spring">Shop</a>',
)


def store_in(tmp_path: Path, max_bytes: int = 1024 * 1024) -> AttachmentStore:
    return AttachmentStore(tmp_path / "attachments", max_bytes)


def pdf_file(store: AttachmentStore, content: bytes = PDF, name: str = "paper.pdf") -> FileInput:
    return FileInput(Upload(name, content), store, store.max_bytes)


def white_paper(title: str = "Zero-downtime migrations") -> ResourceDraft:
    return ResourceDraft(ResourceKind.WHITE_PAPER, title, "How we moved 40 TB.", ["ops"])
