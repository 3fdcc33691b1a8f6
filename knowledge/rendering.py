"""Markdown to safe HTML: markdown-it-py renders, nh3 removes anything dangerous."""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

# "commonmark" with tables and strikethrough; raw HTML is escaped by markdown-it
# and whatever still slips through is cleaned by nh3's allow-list.
_renderer = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)


def render_markdown(body: str) -> str:
    """Render an article body to sanitised HTML."""
    rendered = _renderer.render(body or "")
    return nh3.clean(rendered, link_rel="noopener noreferrer nofollow")


def plain_text(body: str) -> str:
    """The body's visible text (tags removed), for indexing and snippets."""
    rendered = _renderer.render(body or "")
    return " ".join(html.unescape(nh3.clean(rendered, tags=set())).split())
