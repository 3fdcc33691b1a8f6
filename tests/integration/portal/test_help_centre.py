"""The help centre's pages: clean URLs, browsing, contents, related articles, sitemap and
languages; a draft or an internal article is found by no route, list or search."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from knowledge.articles import create_article, publish_article
from knowledge.drafts import ArticleDraft
from knowledge.embedding import MiniLMEmbedder
from knowledge.models import Visibility
from servicedesk.container import Container

RETURNS_BODY = "Intro.\n\n## Print the label\n\nPrint it.\n\n## Drop the parcel\n\nAt any shop.\n"


@pytest.fixture
def articles(container: Container, embedder: MiniLMEmbedder) -> dict[str, int]:
    """Public articles in two languages, plus a draft and an internal one."""
    container.__dict__["embedder"] = embedder
    specs = {
        "returns": ArticleDraft(
            title="Return a damaged item",
            body=RETURNS_BODY,
            category="Orders",
            section="Returns",
            tags=("returns",),
        ),
        "refunds": ArticleDraft(
            title="When refunds arrive",
            body="Within five days.",
            category="Orders",
            section="Returns",
            tags=("returns",),
        ),
        "draft": ArticleDraft(title="Secret returns draft", body="Not yet.", category="Orders"),
        "internal": ArticleDraft(
            title="Internal returns override",
            body="Agents only.",
            category="Orders",
            visibility=Visibility.INTERNAL,
        ),
    }
    ids: dict[str, int] = {}
    with container.uow() as uow:
        for key, draft in specs.items():
            ids[key] = create_article(uow.session, draft).id
            if key != "draft":
                publish_article(uow.session, ids[key], reviewer_agent_id=None, can_review=True)
        german = create_article(
            uow.session,
            ArticleDraft(
                title="Beschädigten Artikel zurücksenden",
                body="Etikett drucken.",
                category="Bestellungen",
                locale="de",
            ),
            translation_of_id=ids["returns"],
        )
        publish_article(uow.session, german.id, reviewer_agent_id=None, can_review=True)
        ids["german"] = german.id
        uow.commit()
    container.knowledge.index_articles(list(ids.values()))
    return ids


def test_old_address_redirects_to_the_clean_url_with_contents_and_related(
    app: Flask, articles: dict[str, int]
) -> None:
    client = app.test_client()
    old = client.get(f"/help/articles/{articles['returns']}")
    assert old.status_code == 301
    assert old.headers["Location"].endswith(
        f"/help/articles/{articles['returns']}/return-a-damaged-item"
    )
    page = client.get(old.headers["Location"]).get_data(as_text=True)
    assert '<h2 id="print-the-label">' in page and 'href="#drop-the-parcel"' in page
    assert '<meta name="description" content="Intro. Print the label' in page
    assert "When refunds arrive" in page  # related: same category and tag
    assert "Secret returns draft" not in page and "Internal returns override" not in page
    wrong_slug = client.get(f"/help/articles/{articles['returns']}/old-title")
    assert wrong_slug.status_code == 301


def test_browse_by_category_and_section(app: Flask, articles: dict[str, int]) -> None:
    client = app.test_client()
    home = client.get("/help?lang=en").get_data(as_text=True)
    assert 'href="/help/categories/orders"' in home
    page = client.get("/help/categories/orders").get_data(as_text=True)
    assert "<h2>Returns</h2>" in page and "Return a damaged item" in page
    assert "Secret returns draft" not in page and "Internal returns override" not in page
    assert client.get("/help/categories/nothing-here").status_code == 404


@pytest.mark.parametrize("kind", ["draft", "internal"])
def test_hidden_articles_exist_for_no_route(
    app: Flask, articles: dict[str, int], kind: str
) -> None:
    client = app.test_client()
    article_id = articles[kind]
    assert client.get(f"/help/articles/{article_id}").status_code == 404
    assert client.get(f"/help/articles/{article_id}/any-slug").status_code == 404
    rated = client.post(f"/help/articles/{article_id}/rate", data={"helpful": "yes"})
    assert rated.status_code in (400, 404)  # no CSRF token, or no article: never rated
    sitemap = client.get("/help/sitemap.xml").get_data(as_text=True)
    assert f"/help/articles/{article_id}/" not in sitemap
    search = client.get("/help?q=returns override draft").get_data(as_text=True)
    assert "Secret returns draft" not in search and "Internal returns override" not in search


def test_sitemap_lists_public_articles_and_categories(app: Flask, articles: dict[str, int]) -> None:
    response = app.test_client().get("/help/sitemap.xml")
    assert response.headers["Content-Type"].startswith("application/xml")
    body = response.get_data(as_text=True)
    assert f"/help/articles/{articles['returns']}/return-a-damaged-item</loc>" in body
    assert "/help/categories/orders</loc>" in body and "<lastmod>" in body


def test_chosen_language_is_kept_and_shows_the_translation(
    app: Flask, articles: dict[str, int]
) -> None:
    client: FlaskClient = app.test_client()
    client.get("/help?lang=de")
    english = client.get(f"/help/articles/{articles['returns']}/return-a-damaged-item")
    assert english.status_code == 302
    assert f"/help/articles/{articles['german']}/" in english.headers["Location"]
    home = client.get("/help").get_data(as_text=True)
    assert "Bestellungen" in home and "Orders" not in home
    found = client.get("/help?q=Artikel zurücksenden").get_data(as_text=True)
    first = found.index("Beschädigten Artikel")
    assert "Return a damaged item" not in found or first < found.index("Return a damaged item")
