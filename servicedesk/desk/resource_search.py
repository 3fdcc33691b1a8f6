"""The resource library in the knowledge search: each resource is an internal article.

A resource's searchable text (title, description, tags, file name, template text) is
kept as a published article with INTERNAL visibility in the category
`RESOURCE_CATEGORY`, keyed `resource:ID`. The knowledge search filters internal articles
out for the portal audience (help centre, widget suggestions), so only agents and
marketers in the console ever find a resource. The article is rewritten on every new
version and deleted with the resource; the caller commits, then re-indexes the returned
article id on the `knowledge` queue (`index_article`, safe for deleted ids).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.campaigns.resources.models import Resource, ResourceVersion
from crm_core.db import utcnow
from knowledge.models import Article, ArticleStatus, Visibility

if TYPE_CHECKING:
    # Only for annotations: the search stack (whoosh) loads when a search runs, not when
    # the web app is built.
    from knowledge.service import KnowledgeBase

RESOURCE_CATEGORY = "Marketing resources"
KEY_PREFIX = "resource:"


def resource_key(resource_id: int) -> str:
    return f"{KEY_PREFIX}{resource_id}"


def resource_id_of(key: str | None) -> int | None:
    """The resource an article key names, or None for an ordinary article."""
    if key and key.startswith(KEY_PREFIX) and key[len(KEY_PREFIX) :].isdigit():
        return int(key[len(KEY_PREFIX) :])
    return None


def sync_resource_document(session: Session, resource: Resource) -> int | None:
    """Write (or, for a deleted resource, delete) its search article; returns the article
    id to re-index, None when there was nothing to do."""
    key = resource_key(resource.id)
    article = session.scalar(select(Article).where(Article.external_key == key))
    if resource.deleted_at is not None:
        if article is None:
            return None
        session.delete(article)
        session.flush()
        return article.id
    version = session.get(ResourceVersion, resource.current_version_id or 0)
    if article is None:
        article = Article(external_key=key, author_agent_id=resource.owner_id)
        article.helpful_count = article.unhelpful_count = article.used_in_reply_count = 0
        article.review_required = False
    article.title = resource.title[:500]
    article.summary = resource.description
    article.body = _searchable_text(resource, version)
    article.tags = ["resource", resource.kind.value, *resource.tags]
    article.category, article.locale = RESOURCE_CATEGORY, "en"
    article.visibility, article.status = Visibility.INTERNAL, ArticleStatus.PUBLISHED
    article.updated_at = utcnow()
    article.published_at = article.published_at or article.updated_at
    session.add(article)
    session.flush()
    return article.id


def _searchable_text(resource: Resource, version: ResourceVersion | None) -> str:
    parts = [f"{resource.kind.label.capitalize()}: {resource.title}"]
    if version is not None:
        parts += [version.filename or "", version.subject, version.body_text]
    return "\n\n".join(part for part in parts if part.strip())


def search_resources(knowledge: KnowledgeBase, text: str, limit: int = 30) -> list[int]:
    """The ids of the resources the console's search finds for `text`, best first."""
    response = knowledge.search(
        text, audience="agent", category=RESOURCE_CATEGORY, limit=limit, source="resources"
    )
    found = (resource_id_of(hit.key) for hit in response.hits)
    return [rid for rid in found if rid is not None]


def sync_resource_documents(session: Session) -> list[int]:
    """Bring every resource's search article up to date (`servicedesk kb reindex` runs it
    first: resources made by a migration or an import have none yet)."""
    changed = (sync_resource_document(session, r) for r in session.scalars(select(Resource)))
    return [article_id for article_id in changed if article_id is not None]
