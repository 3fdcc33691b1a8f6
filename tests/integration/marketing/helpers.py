"""Shared pieces of the campaign tests: an aiosmtpd sink and a small audience."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import Message

from aiosmtpd.controller import Controller

from crm_core.access import Viewer
from crm_core.campaigns.compose import SendSettings
from crm_core.campaigns.operations import CampaignDraft, MailDraft, save_campaign
from crm_core.campaigns.segments import save_segment
from crm_core.customers.models import LifecycleStage
from crm_core.db import UnitOfWork
from crm_core.privacy.consent import grant_consent
from tests.factories import make_customer

SECRET = "test-secret"
SETTINGS = SendSettings(
    from_address="news@desk.example",
    base_url="http://desk.test",
    secret=SECRET,
    reply_to="support@desk.example",
)
HTML = (
    '<p>Hello {{ customer.first_name }},</p><p><a href="https://shop.example/offer?a=1&b=2">'
    "See the offer</a></p><script>alert(1)</script>"
)


class Sink:
    """Keeps every mail the SMTP server accepted."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.mails.append(
            (
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=policy.default),
            )
        )
        return "250 OK"

    @property
    def recipients(self) -> list[str]:
        return [r for rcpts, _ in self.mails for r in rcpts]


@contextmanager
def smtp_sink() -> Iterator[tuple[Sink, str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def make_audience(
    uow: UnitOfWork, count: int, stage: LifecycleStage = LifecycleStage.LOYAL, start: int = 0
) -> list[int]:
    ids = []
    for number in range(start, start + count):
        customer = make_customer(uow, f"Kim{number} Lee", email=f"kim{number}@customer.example")
        customer.lifecycle_stage = stage
        ids.append(customer.id)
    uow.session.flush()
    for customer_id in ids:  # campaigns mail only those who consented
        grant_consent(uow.session, customer_id, "marketing_email", source="test")
    uow.session.flush()
    return ids


def make_campaign(
    uow: UnitOfWork, rules: str = "stage = loyal", *, variants: int = 1, sample: int = 0
):  # type: ignore[no-untyped-def]
    segment = save_segment(uow.session, f"Segment {rules}", rules)
    mails = [
        MailDraft(
            label,
            f"{label}: news for {{{{ customer.first_name }}}}",
            "Hi {{ customer.first_name }}",
            HTML,
        )
        for label in "AB"[:variants]
    ]
    draft = CampaignDraft(
        name=f"Campaign {rules} {variants}",
        segment_id=segment.id,
        mails=mails,
        ab_sample_percent=sample,
    )
    return save_campaign(uow.session, Viewer.system(), draft)
