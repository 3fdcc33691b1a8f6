"""What the knowledge base holds about a person, and how it forgets it.

Solved requests are kept with their text and an embedding for "similar solved requests"
(`kb_solved_requests`): an erased or expired request leaves that table, and the index
version moves on so every process drops its in-memory vectors. The search log keeps the
text agents and customers searched for, suggestions included: rows that quote the person
go. The whoosh index holds published articles only, never request text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from knowledge.models import SearchLog, SolvedRequestDoc


def forget_solved_requests(session: Session, request_ids: Collection[int]) -> int:
    """Drop these requests' text and vectors; does not commit (the caller's transaction)."""
    if not request_ids:
        return 0
    ids = sorted(request_ids)
    found = session.scalars(
        select(SolvedRequestDoc.id).where(SolvedRequestDoc.request_id.in_(ids))
    ).all()
    if found:
        # Here, not at the top: indexing loads whoosh, which the web process loads lazily.
        from knowledge.indexing import bump_index_version

        session.execute(delete(SolvedRequestDoc).where(SolvedRequestDoc.id.in_(found)))
        bump_index_version(session)
    return len(found)


def forget_searches_quoting(session: Session, identifiers: Sequence[str]) -> int:
    """Delete search-log rows whose query names the person (case-insensitively)."""
    patterns = [f"%{value.lower()}%" for value in identifiers if value.strip()]
    if not patterns:
        return 0
    clause = or_(*(func.lower(SearchLog.query).like(p) for p in patterns))
    ids = session.scalars(select(SearchLog.id).where(clause)).all()
    if ids:
        session.execute(delete(SearchLog).where(SearchLog.id.in_(ids)))
    return len(ids)
