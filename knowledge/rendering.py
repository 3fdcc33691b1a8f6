"""Markdown to safe HTML: markdown-it-py renders, nh3 removes anything dangerous."""

from __future__ import annotations

import html
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from slugify import slugify

# "commonmark" with tables and strikethrough; raw HTML is escaped by markdown-it
# and whatever still slips through is cleaned by nh3's allow-list.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(body: str) -> str:
    """Render an article body to sanitised HTML."""
    rendered = _renderer.render(body or "")
    return nh3.clean(rendered, link_rel="noopener noreferrer nofollow")


# Headings keep the ids we give them, so the table of contents can link to them.
_ATTRIBUTES = {
    **nh3.ALLOWED_ATTRIBUTES,
    **{tag: {*nh3.ALLOWED_ATTRIBUTES.get(tag, set()), "id"} for tag in ("h2", "h3")},
}


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str


def render_with_contents(body: str) -> tuple[str, list[Heading]]:
    """Sanitised HTML whose h2 and h3 headings carry ids, and the table of contents."""
    tokens = _renderer.parse(body or "")
    contents: list[Heading] = []
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag in ("h2", "h3"):
            text = tokens[index + 1].content
            anchor = _unique(slugify(text, max_length=60) or "section", used)
            token.attrSet("id", anchor)
            contents.append(Heading(int(token.tag[1]), text, anchor))
    rendered = _renderer.renderer.render(tokens, _renderer.options, {})
    clean = nh3.clean(rendered, attributes=_ATTRIBUTES, link_rel="noopener noreferrer nofollow")
    return clean, contents


def _unique(anchor: str, used: set[str]) -> str:
    candidate, number = anchor, 2
    while candidate in used:
        candidate, number = f"{anchor}-{number}", number + 1
    used.add(candidate)
    return candidate


def plain_text(body: str) -> str:
    """The body's visible text (tags removed), for indexing and snippets."""
    rendered = _renderer.render(body or "")
    return " ".join(html.unescape(nh3.clean(rendered, tags=set())).split())
