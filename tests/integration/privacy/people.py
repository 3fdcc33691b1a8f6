"""A person with data in every table that can hold it, for the export and erasure tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from channels.email.models import AutomaticMailLog, IngestedMail, QuarantinedMail
from channels.webchat.models import ChatDeflection
from crm_core.access import Viewer
from crm_core.audit import audited
from crm_core.confirmations import EmailConfirmation
from crm_core.customers import ChannelIdentity, Customer, IdentityKind
from crm_core.db import UnitOfWork, utcnow
from crm_core.importing.log import ImportRejection, ImportRun
from crm_core.privacy import grant_consent
from knowledge.models import SearchLog, SolvedRequestDoc
from servicedesk.desk.attachments import AttachmentStore
from servicedesk.desk.audit import record
from servicedesk.desk.feedback import RequestRating
from servicedesk.desk.models import Attachment, Direction, RequestSuggestions, Status
from servicedesk.desk.routing.models import RoutingCorrection
from tests.factories import make_agent, make_customer, make_message, make_request

NAME = "Zelda Quixotefield"
EMAIL = "zelda.quixote@privacy.example"
PHONE = "+4915112345678"
VISITOR = "visitor-zq-7781"


@dataclass
class Planted:
    customer_id: int
    request_ids: list[int]
    other_request_id: int
    attachment_sha: str
    bystander_id: int


def plant_person(uow: UnitOfWork, store: AttachmentStore) -> Planted:
    """Zelda, with requests, messages, files, ratings, consent, audit and channel traces."""
    s = uow.session
    zelda = Customer(name=NAME, email=EMAIL, phone=PHONE, address="1 Quixote Lane, Zelda Town")
    s.add(zelda)
    s.add_all(
        [
            ChannelIdentity(
                customer=zelda, kind=IdentityKind.EMAIL, address=EMAIL, display_name=NAME
            ),
            ChannelIdentity(customer=zelda, kind=IdentityKind.PHONE, address=PHONE),
            ChannelIdentity(
                customer=zelda, kind=IdentityKind.WEBCHAT, address=VISITOR, display_name=NAME
            ),
        ]
    )
    s.flush()
    agent = make_agent(uow, "Petra")
    bystander = make_customer(uow, "Bert Bystander")
    first = make_request(
        uow,
        zelda,
        subject=f"Lamp of {NAME}",
        text=f"Hi, I am {NAME}, call {PHONE}",
        status=Status.SOLVED,
    )
    reply = make_message(
        uow, first, f"Dear {NAME}, we wrote to {EMAIL}.", direction=Direction.OUTBOUND, author=agent
    )
    reply.subject = f"Re: Lamp of {NAME}"
    make_message(uow, first, f"Note: {NAME} is a VIP", direction=Direction.NOTE, author=agent)
    second = make_request(
        uow, zelda, subject="Second", text=f"mail me at {EMAIL}", status=Status.CLOSED
    )
    other = make_request(uow, bystander, subject="Bert's own", text="Unrelated", status=Status.OPEN)
    # Zelda also wrote on Bert's request (copied in, or a merge).
    elsewhere = make_message(uow, other, f"{NAME} here, joining in")
    elsewhere.customer_id = zelda.id
    sha = store.save(f"passport of {NAME}".encode())
    s.add(
        Attachment(
            message_id=first.messages[0].id,
            filename=f"{NAME}.pdf",
            content_type="application/pdf",
            size=10,
            sha256=sha,
        )
    )
    s.add(
        RequestRating(
            request_id=first.id, score=1, comment=f"{NAME} is happy", channel="email", rater=EMAIL
        )
    )
    record(s, first, "merged", "agent", agent, note=f"from {EMAIL}", status="solved")
    s.add(
        RoutingCorrection(
            request_id=first.id,
            field="category",
            old_value="a",
            new_value="b",
            text=f"{NAME}: lamp",
        )
    )
    s.add(
        SolvedRequestDoc(
            request_id=first.id,
            subject=f"Lamp of {NAME}",
            question=f"I am {NAME}",
            answer=f"Dear {NAME}",
            content_hash="x",
            embedding=b"\x00" * 16,
        )
    )
    s.add(
        RequestSuggestions(
            request_id=other.id,
            solved_requests=[
                {"request_id": first.id, "subject": f"Lamp of {NAME}", "answer": f"Dear {NAME}"}
            ],
        )
    )
    s.add(
        SearchLog(
            query=f"lamp {NAME}", normalized_query="lamp zelda", mode="hybrid", audience="agent"
        )
    )
    grant_consent(s, zelda.id, "newsletter", "web-form", recorded_by=NAME)
    s.add(
        EmailConfirmation(
            customer_id=zelda.id, address=EMAIL, nonce="n", expires_at=utcnow() + timedelta(days=1)
        )
    )
    run = ImportRun(
        kind="customers", file_name="f.csv", file_sha256="0" * 64, started_by="t", counts={}
    )
    s.add(run)
    s.flush()
    s.add(ImportRejection(run_id=run.id, row_number=3, field="phone", reason="bad", value=EMAIL))
    s.add(
        IngestedMail(
            raw_sha256="1" * 64, message_id=f"<{EMAIL}>", outcome="new", request_id=first.id
        )
    )
    s.add(
        QuarantinedMail(
            raw=f"From: {NAME} <{EMAIL}>\r\n\r\nhi".encode(), raw_sha256="2" * 64, reason="bad"
        )
    )
    s.add(AutomaticMailLog(recipient=EMAIL))
    s.add(ChatDeflection(visitor_id=VISITOR, article_id=1, query="lamp"))
    with audited(s, Viewer(user_id=agent.id, roles=frozenset({"admin"}), name="Petra")):
        zelda.address = f"2 {NAME} Road"
    s.flush()
    return Planted(zelda.id, [first.id, second.id], other.id, sha, bystander.id)
