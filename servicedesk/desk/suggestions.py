"""Knowledge suggestions for a request: articles and similar solved requests."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from crm_core.db import UnitOfWork, utcnow
from servicedesk.desk.models import (
    Direction,
    RequestSuggestions,
    ServiceRequest,
    Status,
    format_reference,
)

if TYPE_CHECKING:  # the search code loads whoosh and NumPy: only jobs that search need it
    from knowledge.search import Hit
    from knowledge.service import SolvedMatch, Suggestions


class SuggestionSource(Protocol):
    """What the desk needs from the knowledge base."""

    def has_content(self) -> bool: ...

    def suggest_for_text(self, text: str, *, limit: int = 5) -> Suggestions: ...

    def index_solved_request(
        self, request_id: int, *, subject: str, question: str, answer: str
    ) -> None: ...


def question_of(request: ServiceRequest) -> str:
    """The subject and the customer's latest message: what an answer must address."""
    inbound = [m.text for m in request.messages if m.direction == Direction.INBOUND]
    return "\n".join(part for part in (request.subject, inbound[-1] if inbound else "") if part)


def suggest_for_request(
    uow_factory: Callable[[], UnitOfWork], source: SuggestionSource, request_id: int
) -> bool:
    """Compute and store suggestions; False when the request is gone or nothing is known.

    The knowledge base writes its own search log, so the question is read, the search
    run and the result stored in separate transactions: on SQLite a transaction that
    read before another one committed could not write afterwards.
    """
    if not source.has_content():  # nothing to suggest: skip before touching SQL or the model
        return False
    with uow_factory() as uow:
        request = uow.session.get(ServiceRequest, request_id)
        if request is None:
            return False
        question = question_of(request)
    found = source.suggest_for_text(question, limit=3)
    with uow_factory() as uow:
        row = uow.session.get(RequestSuggestions, request_id) or RequestSuggestions(
            request_id=request_id
        )
        row.articles = [_article(hit) for hit in found.articles.hits]
        row.solved_requests = [
            _solved(match) for match in found.solved_requests if match.request_id != request_id
        ]
        row.no_answer = found.articles.no_answer
        row.computed_at = utcnow()
        uow.session.add(row)
        uow.commit()
    return True


def _article(hit: Hit) -> dict[str, object]:
    return {
        "id": hit.article_id,
        "key": hit.key,
        "title": hit.title,
        "snippet": hit.snippet,
        "score": round(hit.score, 4),
    }


def _solved(match: SolvedMatch) -> dict[str, object]:
    return {
        "request_id": match.request_id,
        "reference": format_reference(match.request_id),
        "subject": match.subject,
        "answer": match.answer,
        "score": round(match.score, 4),
    }


def remember_solved_request(uow: UnitOfWork, source: SuggestionSource, request_id: int) -> bool:
    """Index a solved request's question and final answer for "similar solved requests"."""
    request = uow.session.get(ServiceRequest, request_id)
    if request is None or request.status not in (Status.SOLVED, Status.CLOSED):
        return False
    answers = [m.text for m in request.messages if m.direction == Direction.OUTBOUND]
    if not answers:
        return False
    source.index_solved_request(
        request_id, subject=request.subject, question=question_of(request), answer=answers[-1]
    )
    return True
