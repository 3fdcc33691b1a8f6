"""Erasing a person leaves nothing that names them, anywhere, and every count unchanged."""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text, func, select
from sqlalchemy.orm import Session

from crm_core.access import PermissionDenied, Viewer
from crm_core.audit import AuditEntry
from crm_core.customers import Customer
from crm_core.db import Base
from crm_core.privacy import is_suppressed, may_contact
from knowledge.keyword import Filters
from servicedesk.desk.models import Message, ServiceRequest
from servicedesk.desk.privacy import PersonNotFound, erase_person
from tests.integration.privacy.people import EMAIL, NAME, PHONE, plant_person

ADMIN = Viewer(user_id=1, roles=frozenset({"admin"}), name="Ada Admin")


def traces(session: Session, needles: list[str]) -> list[tuple[str, str, Any]]:
    """Every (table, column, value) of every text-like column that contains a needle."""
    lowered = [n.lower() for n in needles]
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [
            c for c in table.columns if isinstance(c.type, String | Text | JSON | LargeBinary)
        ]
        if not columns:
            continue
        for row in session.execute(select(*columns)):
            for column, value in zip(columns, row, strict=True):
                text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
                if any(n in text.lower() for n in lowered):
                    found.append((table.name, column.name, value))
    return found


def counts(session: Session) -> dict[str, int]:
    return {
        "requests": session.scalar(select(func.count()).select_from(ServiceRequest)) or 0,
        "messages": session.scalar(select(func.count()).select_from(Message)) or 0,
        "customers": session.scalar(select(func.count()).select_from(Customer)) or 0,
        "solved": session.scalar(
            select(func.count())
            .select_from(ServiceRequest)
            .where(ServiceRequest.status == "solved")
        )
        or 0,
    }


def test_erasure_leaves_no_trace_and_keeps_counts(container) -> None:
    store = container.attachments
    with container.uow() as uow:
        planted = plant_person(uow, store)
        uow.commit()
    needles = [NAME, EMAIL, PHONE, "Quixote"]
    with container.uow() as uow:
        before = counts(uow.session)
        assert {t for t, _c, _v in traces(uow.session, needles)} >= {
            "customers",
            "messages",
            "service_requests",
            "kb_solved_requests",
            "kb_search_log",
            "request_ratings",
            "email_quarantine",
            "attachments",
            "audit_entries",
        }
    assert store.path_for(planted.attachment_sha).exists()

    with container.uow() as uow:
        report = erase_person(uow, container.privacy, ADMIN, EMAIL.upper(), reason="asked by mail")
        uow.commit()
    assert report.customer_ids == [planted.customer_id]
    assert report.request_count == 2

    with container.uow() as uow:
        assert traces(uow.session, needles) == []
        assert counts(uow.session) == before
        tombstone = uow.session.get(Customer, planted.customer_id)
        assert tombstone.name == f"Erased customer #{planted.customer_id}"
        assert tombstone.identities == []
        # Never mailed again, though nobody can read the address any more.
        assert is_suppressed(uow.session, EMAIL)
        assert not may_contact(uow.session, planted.customer_id, "newsletter")
        erased = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "erase")).one()
        assert (erased.entity, erased.entity_id, erased.actor_name) == (
            "customer",
            str(planted.customer_id),
            "Ada Admin",
        )
        bystander = uow.session.get(Customer, planted.bystander_id)
        assert bystander.name == "Bert Bystander"
        other = uow.session.get(ServiceRequest, planted.other_request_id)
        assert other.subject == "Bert's own" and other.messages[0].text == "Unrelated"
    assert not store.path_for(planted.attachment_sha).exists()


def test_erasure_twice_finds_nobody_and_only_admins_erase(container) -> None:
    with container.uow() as uow:
        plant_person(uow, container.attachments)
        uow.commit()
    for role in ("agent", "sales", "marketing", "read-only"):
        with container.uow() as uow:
            viewer = Viewer(user_id=5, roles=frozenset({role}))
            with pytest.raises(PermissionDenied, match="only an admin may erase a person"):
                erase_person(uow, container.privacy, viewer, EMAIL)
    with container.uow() as uow:
        erase_person(uow, container.privacy, ADMIN, EMAIL)
        uow.commit()
    with container.uow() as uow, pytest.raises(PersonNotFound, match="no customer is known by"):
        erase_person(uow, container.privacy, ADMIN, EMAIL)


def test_erasure_purges_stored_vectors_and_the_keyword_index(container, tmp_path) -> None:
    """Through the knowledge base itself: the solved request is indexed by the real code."""
    from knowledge.articles import ArticleDraft, create_article, publish_article
    from knowledge.embedding import HashingEmbedder
    from knowledge.service import KnowledgeBase

    kb = KnowledgeBase(container.sessions, tmp_path / "whoosh", HashingEmbedder())
    with container.uow() as uow:
        planted = plant_person(uow, container.attachments)
        draft = ArticleDraft(title="Lamp flickers", body="Replace the bulb of the lamp.")
        article = create_article(uow.session, draft, author_agent_id=None)
        publish_article(uow.session, article.id, reviewer_agent_id=None, can_review=False)
        uow.commit()
    kb.index_articles([article.id])
    first = planted.request_ids[0]
    kb.index_solved_request(first, subject=f"Lamp of {NAME}", question=NAME, answer=f"Dear {NAME}")
    assert [m.request_id for m in kb.similar_solved_requests(f"Lamp of {NAME}", min_score=0)] == [
        first
    ]
    with container.uow() as uow:
        erase_person(uow, container.privacy, ADMIN, EMAIL)
        uow.commit()
    assert kb.similar_solved_requests(f"Lamp of {NAME}", min_score=0) == []
    # The index version moved: every process drops its cached vectors at its next check.
    time.sleep(1.05)
    assert first not in kb.vectors.snapshot().solved_request_ids
    # whoosh stores no text, only terms: read its whole lexicon.
    reader = kb.keyword_index.searcher().reader()
    terms = {
        term.decode() if isinstance(term, bytes) else str(term) for _f, term in reader.all_terms()
    }
    assert set(kb.keyword_index.analyze("lamp")) <= terms  # the article is there...
    for needle in (NAME, EMAIL, PHONE, "Quixote"):  # ...and nothing of the person
        assert not set(kb.keyword_index.analyze(needle)) & terms
        assert kb.keyword_index.search(needle, Filters()) == []
    kb.close()
