"""Knowledge suggestions for a request: articles and similar solved requests."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from crm_core.db import UnitOfWork, utcnow
from servicedesk.desk.models import (
    Direction,
    Message,
    RequestSuggestions,
    ServiceRequest,
    Status,
    format_reference,
)

if TYPE_CHECKING:  # the search code loads whoosh and NumPy: only jobs that search need it
    from knowledge.search import Hit, SearchResponse
    from knowledge.service import SolvedMatch, Suggestions


class SuggestionSource(Protocol):
    """What the desk needs from the knowledge base."""

    def has_content(self) -> bool: ...

    def suggest_for_text(self, text: str, *, limit: int = 5, log: bool = True) -> Suggestions: ...

    def prepare_queries(self, texts: list[str]) -> None: ...

    def log_search(
        self, session: Session, response: SearchResponse, audience: str, source: str
    ) -> None: ...

    def index_solved_request(
        self, request_id: int, *, subject: str, question: str, answer: str
    ) -> None: ...


# A customer turn longer than this many messages is read from its newest ones: what they
# wrote last matters most, and the cost of a suggestion must not grow with the chat.
TURN_MESSAGES = 5
TURN_CHARS = 4000
# Built once: every suggestion run reads a turn, and building a statement costs more
# than running it.
_TURN = (
    select(Message.direction, Message.text)
    .where(Message.request_id == bindparam("request_id"), Message.direction != Direction.NOTE)
    .order_by(Message.id.desc())
    .limit(TURN_MESSAGES)
)


def question_of(session: Session, request: ServiceRequest) -> str:
    """The subject and the customer's latest turn (their messages since the last reply).

    Reads at most `TURN_MESSAGES` recent messages, never the whole conversation. A chat's
    subject is its first message's first line: while that message is in the turn the
    subject is left out, not encoded twice (the encoding's cost grows with its words).
    """
    rows = session.execute(_TURN, {"request_id": request.id}).all()
    turn: list[str] = []
    for direction, text in rows:
        if direction == Direction.INBOUND:
            turn.append(text)
        elif turn:  # the reply before this turn
            break
    question = "\n".join(reversed(turn))[-TURN_CHARS:]
    subject = request.subject
    if subject and question.startswith(subject):
        subject = ""
    return "\n".join(part for part in (subject, question) if part)


def _last_answer(session: Session, request_id: int) -> str | None:
    return session.scalar(
        select(Message.text)
        .where(Message.request_id == request_id, Message.direction == Direction.OUTBOUND)
        .order_by(Message.id.desc())
        .limit(1)
    )


Compute = Callable[..., "dict[int, Suggestions]"]
# Runs one write transaction: the process's SQLite writer guard (`desk.writer.WriteGuard.run`).
Store = Callable[[Callable[[], None]], None]
STORE_CHUNK = 8  # rows per write transaction: a short hold of the event loop each


def suggest_for_request(
    uow_factory: Callable[[], UnitOfWork],
    source: SuggestionSource,
    request_id: int,
    compute_with: Compute | None = None,
    store_with: Store | None = None,
) -> bool:
    """Compute and store one request's suggestions; False when it is gone or nothing is known."""
    stored = suggest_for_requests(uow_factory, source, [request_id], compute_with, store_with)
    return request_id in stored


def suggest_for_requests(
    uow_factory: Callable[[], UnitOfWork],
    source: SuggestionSource,
    request_ids: Sequence[int],
    compute_with: Compute | None = None,
    store_with: Store | None = None,
) -> list[int]:
    """Compute and store suggestions for several requests; returns those stored.

    Reading the questions and searching write nothing, so `compute_with(fn, *args)` may
    run them elsewhere (the web process gives them an OS thread of their own); results
    and their search-log rows are then stored in short transactions by the caller, each
    through `store_with` (the writer guard the rest of the process writes under).
    """
    if not request_ids or not source.has_content():  # skip before touching SQL or the model
        return []
    compute = compute_with or (lambda fn, *args: fn(*args))
    store = store_with or (lambda work: work())
    found: dict[int, Suggestions] = compute(search_for_requests, uow_factory, source, request_ids)
    stored: list[int] = []
    pending = list(found.items())
    for start in range(0, len(pending), STORE_CHUNK):
        if start:
            time.sleep(0)  # under gevent, let the sockets run between transactions
        chunk = pending[start : start + STORE_CHUNK]
        store(partial(_store_chunk, uow_factory, source, chunk, stored))
    return stored


def _store_chunk(
    uow_factory: Callable[[], UnitOfWork],
    source: SuggestionSource,
    chunk: list[tuple[int, Suggestions]],
    stored: list[int],
) -> None:
    with uow_factory() as uow:
        # Two look-ups per chunk, not two per request: these writes run on the web
        # process's event loop, beside the sockets.
        ids = [request_id for request_id, _found in chunk]
        alive = set(uow.session.scalars(_EXISTING, {"ids": ids}))  # not deleted meanwhile
        rows = {row.request_id: row for row in uow.session.scalars(_STORED, {"ids": ids})}
        kept = [rid for rid, _found in chunk if rid in alive]
        for rid, found in chunk:
            if rid in alive:
                _store(uow.session, source, rows.get(rid), rid, found)
        uow.commit()
    stored.extend(kept)


_EXISTING = select(ServiceRequest.id).where(ServiceRequest.id.in_(bindparam("ids", expanding=True)))
_STORED = select(RequestSuggestions).where(
    RequestSuggestions.request_id.in_(bindparam("ids", expanding=True))
)


def _store(
    session: Session,
    source: SuggestionSource,
    row: RequestSuggestions | None,
    request_id: int,
    found: Suggestions,
) -> None:
    row = row or RequestSuggestions(request_id=request_id)
    row.articles = [_article(hit) for hit in found.articles.hits]
    row.solved_requests = [
        _solved(match) for match in found.solved_requests if match.request_id != request_id
    ]
    row.no_answer = found.articles.no_answer
    row.computed_at = utcnow()
    session.add(row)
    source.log_search(session, found.articles, "agent", "suggest")


def search_for_requests(
    uow_factory: Callable[[], UnitOfWork], source: SuggestionSource, request_ids: Sequence[int]
) -> dict[int, Suggestions]:
    """Each existing request's suggestions, read and searched without writing.

    The questions are encoded in one batch first: several times cheaper per text.
    """
    with uow_factory() as uow:
        requests = uow.session.scalars(
            select(ServiceRequest).where(ServiceRequest.id.in_(request_ids))
        ).all()
        questions = {r.id: question_of(uow.session, r) for r in requests}
    source.prepare_queries(list(questions.values()))
    return {
        request_id: source.suggest_for_text(question, limit=3, log=False)
        for request_id, question in questions.items()
    }


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
    answer = _last_answer(uow.session, request_id)
    if answer is None:
        return False
    source.index_solved_request(
        request_id,
        subject=request.subject,
        question=question_of(uow.session, request),
        answer=answer,
    )
    return True
