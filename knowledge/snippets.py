"""Snippets: the matched passage, trimmed around the query words, with them marked."""

from __future__ import annotations

import html
from collections.abc import Collection, Sequence
from functools import lru_cache

from knowledge.text import mixed_analyzer

_analyzer = mixed_analyzer()
# Passages are searched again and again (every suggestion highlights its hits), and
# analysing one (stemming every word in Python) cost more than the search that found it.
PASSAGE_CACHE = 1024  # about 12 KB each: 110 words of (term, start, end)


def query_terms(text: str) -> set[str]:
    """The analysed terms of a query (stemmed, lower-cased, stop words removed)."""
    return {token.text for token in _analyzer(text)}


def matched_spans(text: str, terms: Collection[str]) -> list[tuple[int, int]]:
    """Character spans of the words in `text` that match one of the query terms."""
    return [(start, end) for term, start, end in _tokens(text) if term in terms]


@lru_cache(maxsize=PASSAGE_CACHE)
def _tokens(text: str) -> tuple[tuple[str, int, int], ...]:
    """Each analysed word of `text` with its character span (remembered per text)."""
    return tuple((t.text, t.startchar, t.endchar) for t in _analyzer(text, chars=True))


def best_passage(passages: Sequence[str], terms: Collection[str]) -> int:
    """Index of the passage with the most distinct query terms (first one on ties)."""
    wanted = set(terms)
    scores = [len({term for term, _s, _e in _tokens(p)} & wanted) for p in passages]
    return max(range(len(passages)), key=lambda i: (scores[i], -i)) if passages else 0


def highlight(text: str, terms: Collection[str], width: int = 240) -> str:
    """HTML-escaped `text` cut to about `width` characters around the first match,
    with every matched word wrapped in <mark>."""
    spans = matched_spans(text, terms)
    start = 0
    if spans and len(text) > width:
        start = max(0, spans[0][0] - width // 4)
        space = text.rfind(" ", 0, start)
        start = space + 1 if start and space >= 0 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    pieces: list[str] = ["…" if start else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces.append(html.escape(text[cursor:span_start]))
        pieces.append(f"<mark>{html.escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    pieces.append(html.escape(text[cursor:end]))
    if end < len(text):
        pieces.append("…")
    return "".join(pieces)
