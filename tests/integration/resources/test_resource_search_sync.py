"""Resources' search articles kept in sync with the library (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from crm_core.campaigns.resources import library
from knowledge.models import Article, ArticleStatus, Visibility
from servicedesk.desk.resource_search import (
    RESOURCE_CATEGORY,
    resource_key,
    sync_resource_document,
    sync_resource_documents,
)
from tests.integration.resources.helpers import EMAIL, MARKETER


def _article(uow, resource_id: int) -> Article | None:  # type: ignore[no-untyped-def]
    key = resource_key(resource_id)
    return uow.session.scalar(select(Article).where(Article.external_key == key))


def test_each_version_rewrites_the_internal_article_and_delete_removes_it(uow_factory) -> None:  # type: ignore[no-untyped-def]
    with uow_factory() as uow:
        resource = library.create_resource(uow.session, MARKETER, EMAIL)
        # Made without the console (as migration 0021 does): reindexing catches up.
        assert _article(uow, resource.id) is None
        assert len(sync_resource_documents(uow.session)) == 1
        article = _article(uow, resource.id)
        assert article is not None
        assert (article.visibility, article.status) == (
            Visibility.INTERNAL,
            ArticleStatus.PUBLISHED,
        )
        assert article.category == RESOURCE_CATEGORY and "Spring news for" in article.body
        edited = replace(EMAIL, title="Summer newsletter", body_text="Sunny {{ customer.name }}")
        library.edit_resource(uow.session, MARKETER, resource.id, edited)
        assert sync_resource_document(uow.session, resource) == article.id
        assert article.title == "Summer newsletter" and "Sunny" in article.body
        library.delete_resource(uow.session, MARKETER, resource.id)
        assert sync_resource_document(uow.session, resource) == article.id  # to re-index
        uow.commit()
    with uow_factory() as uow:
        assert _article(uow, resource.id) is None
        assert sync_resource_documents(uow.session) == []
