"""What the public help centre shows: published public articles only, browsed and linked.

Every query here starts from `public_articles`, so a draft, an archived or an internal
article can never reach a help centre page, the sitemap or a related-articles list.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from slugify import slugify
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from knowledge.models import Article, ArticleStatus, Category, Visibility
from knowledge.rendering import plain_text

META_DESCRIPTION_CHARS = 155
NO_SECTION = ""


def public_articles() -> Select[Article]:
    """Published, public articles: the only ones readers ever see."""
    return select(Article).where(
        Article.status == ArticleStatus.PUBLISHED, Article.visibility == Visibility.PUBLIC
    )


def find_public_article(session: Session, article_id: int) -> Article | None:
    return session.scalars(public_articles().where(Article.id == article_id)).first()


def slug_of(text: str) -> str:
    """The URL words for a title or a category name ("Return an item" → return-an-item)."""
    return slugify(text, max_length=80, word_boundary=True) or "article"


def meta_description(article: Article) -> str:
    """The summary, or the start of the body, short enough for a search engine's snippet."""
    text = " ".join((article.summary or "").split()) or plain_text(article.body)
    if len(text) <= META_DESCRIPTION_CHARS:
        return text
    return text[: META_DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


@dataclass
class Shelf:
    """A category as the help centre shows it: its sections, each with its articles."""

    name: str
    slug: str
    sections: dict[str, list[Article]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(articles) for articles in self.sections.values())


def shelves(session: Session, locale: str) -> list[Shelf]:
    """Every category with public articles in `locale`, sections and articles by title."""
    query = public_articles().where(Article.locale == locale).order_by(Article.title)
    grouped: dict[str, dict[str, list[Article]]] = defaultdict(lambda: defaultdict(list))
    for article in session.scalars(query):
        grouped[article.category or "General"][article.section or NO_SECTION].append(article)
    return [
        Shelf(name, slug_of(name), dict(sorted(sections.items())))
        for name, sections in sorted(grouped.items())
    ]


def shelf(session: Session, slug: str, locale: str) -> Shelf | None:
    """The category whose name slugs to `slug`, or None."""
    return next((s for s in shelves(session, locale) if s.slug == slug), None)


def related_articles(session: Session, article: Article, limit: int = 5) -> list[Article]:
    """Public articles in the same locale sharing the category or a tag, most shared first."""
    candidates = session.scalars(
        public_articles().where(Article.locale == article.locale, Article.id != article.id)
    )
    tags = set(article.tags or ())

    def shared(other: Article) -> int:
        same_category = 2 if article.category and other.category == article.category else 0
        return same_category + len(tags & set(other.tags or ()))

    ranked = sorted(
        (other for other in candidates if shared(other)), key=lambda o: (-shared(o), o.title)
    )
    return ranked[:limit]


def translations(session: Session, article: Article) -> dict[str, Article]:
    """The public versions of this article by locale, itself included."""
    original = article.translation_of_id or article.id
    query = public_articles().where(
        (Article.id == original) | (Article.translation_of_id == original)
    )
    return {version.locale: version for version in session.scalars(query)}


def locales(session: Session) -> list[str]:
    """The locales that have public articles, for the language picker."""
    query = public_articles().with_only_columns(Article.locale).distinct()
    return sorted(session.scalars(query))


def category_names(session: Session) -> list[str]:
    """The knowledge base's categories, for a request form's category choice."""
    return list(session.scalars(select(Category.name).order_by(Category.name)))
