"""Keeping the derived search data (passages + embeddings in SQL, the whoosh index) in sync.

These are plain functions taking ids, so they can run as rq jobs on the `knowledge`
queue and are safe to run twice. Only published articles are searchable. A full rebuild
and a sequence of incremental updates produce the same passages and whoosh documents;
embeddings are reused by content hash, so re-indexing unchanged text costs no encoding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crm_core.db import utcnow
from knowledge.embedding import Embedder
from knowledge.generations import discard
from knowledge.keyword import GenerationBuild, KeywordDoc, KeywordIndex
from knowledge.models import Article, ArticleStatus, IndexState, Passage, SolvedRequestDoc
from knowledge.rendering import plain_text
from knowledge.text import content_hash, split_passages
from knowledge.vectors import to_bytes

ENCODE_BATCH = 256


@dataclass(frozen=True)
class RebuildReport:
    """What a full rebuild did."""

    articles: int
    passages: int
    encoded: int


def bump_index_version(session: Session) -> None:
    """Tell every process's vector snapshot that the search data changed (no commit)."""
    state = session.get(IndexState, 1, with_for_update=True)
    if state is None:
        session.add(IndexState(id=1, version=1, updated_at=utcnow()))
    else:
        state.version += 1
        state.updated_at = utcnow()
    session.flush()


def keyword_doc(article: Article) -> KeywordDoc:
    """The whoosh document for an article."""
    body = plain_text(article.body)
    if article.summary:
        body = f"{article.summary}\n{body}"
    return KeywordDoc(
        article_id=article.id,
        title=article.title,
        body=body,
        tags=" ".join([*(article.tags or []), article.category or ""]).strip(),
        locale=article.locale,
        category=article.category or "",
        visibility=article.visibility.value,
    )


def passage_texts(article: Article) -> list[str]:
    """The article cut into passages for the semantic index."""
    return split_passages(article.title, article.summary or "", article.body)


def _hash(embedder: Embedder, text: str) -> str:
    # The model name is part of the key: another model's vectors must not be reused.
    return content_hash(f"{embedder.name}\n{text}")


def _known_embeddings(session: Session, hashes: Iterable[str]) -> dict[str, bytes]:
    wanted = list(set(hashes))
    known: dict[str, bytes] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(Passage.content_hash, Passage.embedding).where(
                Passage.content_hash.in_(wanted[start : start + 500])
            )
        )
        known.update({row[0]: row[1] for row in rows})
    return known


def _encode_missing(
    embedder: Embedder, texts_by_hash: dict[str, str], known: dict[str, bytes]
) -> int:
    missing = [h for h in texts_by_hash if h not in known]
    for start in range(0, len(missing), ENCODE_BATCH):
        batch = missing[start : start + ENCODE_BATCH]
        vectors = embedder.encode([texts_by_hash[h] for h in batch])
        known.update({h: to_bytes(v) for h, v in zip(batch, vectors, strict=True)})
    return len(missing)


def _write_passages(
    session: Session,
    article_id: int,
    texts: Sequence[str],
    embedder: Embedder,
    known: dict[str, bytes],
) -> None:
    existing = session.scalars(
        select(Passage).where(Passage.article_id == article_id).order_by(Passage.ordinal)
    ).all()
    hashes = [_hash(embedder, text) for text in texts]
    if [p.content_hash for p in existing] == hashes:
        return  # unchanged: keep rows (and ids) as they are
    session.execute(delete(Passage).where(Passage.article_id == article_id))
    for ordinal, (text, digest) in enumerate(zip(texts, hashes, strict=True)):
        session.add(
            Passage(
                article_id=article_id,
                ordinal=ordinal,
                text=text,
                content_hash=digest,
                embedding=known[digest],
            )
        )


def sync_passages(session: Session, embedder: Embedder, articles: Sequence[Article]) -> int:
    """Bring passages of these articles up to date (none unless published); returns encodes."""
    plan: dict[int, list[str]] = {}
    for article in articles:
        plan[article.id] = (
            passage_texts(article) if article.status is ArticleStatus.PUBLISHED else []
        )
    texts_by_hash = {_hash(embedder, t): t for texts in plan.values() for t in texts}
    known = _known_embeddings(session, texts_by_hash)
    encoded = _encode_missing(embedder, texts_by_hash, known)
    for article_id, texts in plan.items():
        _write_passages(session, article_id, texts, embedder, known)
    session.flush()
    return encoded


def index_article(
    session: Session, keyword_index: KeywordIndex, embedder: Embedder, article_id: int
) -> None:
    """Re-index one article after any change (a deleted or unpublished one is removed)."""
    index_articles(session, keyword_index, embedder, [article_id])


def index_articles(
    session: Session, keyword_index: KeywordIndex, embedder: Embedder, article_ids: Sequence[int]
) -> None:
    """Re-index these articles: passages in SQL (committed), then one whoosh commit.

    Safe to run twice; ids of deleted articles are removed from both indexes.
    """
    articles = session.scalars(select(Article).where(Article.id.in_(article_ids))).all()
    gone = set(article_ids) - {a.id for a in articles}
    if gone:
        session.execute(delete(Passage).where(Passage.article_id.in_(gone)))
    for start in range(0, len(articles), 500):
        sync_passages(session, embedder, articles[start : start + 500])
    bump_index_version(session)
    session.commit()
    published = [a for a in articles if a.status is ArticleStatus.PUBLISHED]
    hidden = [a.id for a in articles if a.status is not ArticleStatus.PUBLISHED]
    keyword_index.write([keyword_doc(a) for a in published], deletions=[*hidden, *gone])


def rebuild_index(
    session: Session,
    keyword_index: KeywordIndex,
    embedder: Embedder,
    batch: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Recompute every passage and the whole whoosh index from the articles in SQL.

    Safe while the app runs: searches read the live whoosh generation until the new one
    is complete, incremental writers keep writing to the live one meanwhile, and what
    changed during the build is caught up under the writer lock before the swap.
    `progress(done, total)` is called after every batch.
    """
    article_ids = list(session.scalars(select(Article.id).order_by(Article.id)).all())
    build = keyword_index.new_build()
    built: dict[int, str] = {}  # article id -> fingerprint of what the build holds
    encoded = 0
    try:
        for start in range(0, len(article_ids), batch):
            encoded += _build_batch(
                session, embedder, build, article_ids[start : start + batch], built
            )
            if progress is not None:
                progress(min(start + batch, len(article_ids)), len(article_ids))
    except BaseException:
        discard(build.path)
        raise

    def catch_up(target: GenerationBuild) -> None:
        nonlocal encoded
        session.expire_all()
        encoded += _build_batch(session, embedder, target, _changed_since(session, built), built)

    keyword_index.swap_in(build, catch_up)
    _drop_orphans(session)
    published = [aid for aid, print_ in built.items() if print_]
    return RebuildReport(len(published), _passage_count(session, published), encoded)


def _passage_count(session: Session, article_ids: list[int]) -> int:
    count = select(func.count(Passage.id)).where(Passage.article_id.in_(article_ids))
    return session.scalar(count) or 0


def _build_batch(
    session: Session,
    embedder: Embedder,
    build: GenerationBuild,
    article_ids: Sequence[int],
    built: dict[int, str],
) -> int:
    """Passages (committed) and whoosh documents of these articles; returns encodes."""
    chunk = session.scalars(select(Article).where(Article.id.in_(article_ids))).all()
    gone = set(article_ids) - {a.id for a in chunk}
    encoded = sync_passages(session, embedder, chunk)
    session.commit()
    published = [a for a in chunk if a.status is ArticleStatus.PUBLISHED]
    hidden = [a.id for a in chunk if a.status is not ArticleStatus.PUBLISHED]
    build.write([keyword_doc(a) for a in published], deletions=[*hidden, *gone])
    built.update({a.id: _fingerprint(a) for a in chunk})
    for article_id in gone:
        built.pop(article_id, None)
    return encoded


def _fingerprint(article: Article) -> str:
    """What search derives from an article; empty when it is not searchable."""
    if article.status is not ArticleStatus.PUBLISHED:
        return ""
    fields = (article.title, article.summary, article.body, article.category, article.locale)
    extra = (article.visibility.value, " ".join(article.tags or []))
    return content_hash("\x1f".join(str(value or "") for value in (*fields, *extra)))


def _changed_since(session: Session, built: dict[int, str]) -> list[int]:
    """Articles created, edited, (un)published or deleted since the build read them."""
    current = {a.id: _fingerprint(a) for a in session.scalars(select(Article))}
    changed = [aid for aid, print_ in current.items() if built.get(aid, "") != print_]
    deleted = [aid for aid in built if aid not in current]
    return sorted([*changed, *deleted])


def _drop_orphans(session: Session) -> None:
    session.execute(delete(Passage).where(Passage.article_id.not_in(select(Article.id))))
    bump_index_version(session)
    session.commit()


def index_solved_request(
    session: Session,
    embedder: Embedder,
    request_id: int,
    *,
    subject: str,
    question: str,
    answer: str,
) -> SolvedRequestDoc:
    """Store (or refresh) a solved request for "similar solved requests"; commits."""
    text = f"{subject}. {question}".strip()
    digest = _hash(embedder, text)
    doc = session.scalar(select(SolvedRequestDoc).where(SolvedRequestDoc.request_id == request_id))
    if doc is None:
        doc = SolvedRequestDoc(request_id=request_id, content_hash="", embedding=b"")
        session.add(doc)
    if doc.content_hash != digest:
        doc.embedding = to_bytes(embedder.encode([text])[0])
        doc.content_hash = digest
    doc.subject, doc.question, doc.answer = subject, question, answer
    bump_index_version(session)
    session.commit()
    return doc


def remove_solved_request(session: Session, request_id: int) -> None:
    """Forget a solved request (reopened, deleted or erased for privacy); commits."""
    session.execute(delete(SolvedRequestDoc).where(SolvedRequestDoc.request_id == request_id))
    bump_index_version(session)
    session.commit()
