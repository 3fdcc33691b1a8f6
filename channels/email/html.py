"""HTML bodies: sanitise for display (nh3) and derive plain text when a mail has no text part."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "table", "hr", "ul", "ol", "dd", "dt", "section",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "head", "title", "template"}
_MANY_BLANK_LINES = re.compile(r"\n[ \t]*(\n[ \t]*){2,}")


def sanitise_html(markup: str) -> str:
    """Safe HTML: scripts, event handlers and javascript: URLs removed; links get rel=noopener."""
    return nh3.clean(markup, link_rel="noopener noreferrer nofollow")


class _TextExtractor(HTMLParser):
    """Collects visible text; block elements become line breaks, quotes get '> ' markers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0
        self.quote_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth += 1
        elif tag == "blockquote":
            self.quote_depth += 1
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag == "blockquote":
            self.quote_depth = max(0, self.quote_depth - 1)
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        text = re.sub(r"\s+", " ", data)
        at_line_start = not self.parts or self.parts[-1].endswith("\n")
        if self.quote_depth and text.strip() and at_line_start:
            text = "> " * self.quote_depth + text.lstrip()
        self.parts.append(text)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML body, blockquotes marked with '>' so quote stripping applies."""
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:  # HTMLParser is lenient, but never let markup crash intake
        return html.unescape(re.sub(r"<[^>]{0,2000}>", " ", markup))
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()
