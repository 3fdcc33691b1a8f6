"""Text handling shared by the indexes: tokenizing (jieba for Chinese), passages, hashing.

One analyzer serves every locale: runs of CJK characters are segmented by jieba, other
text by a word pattern, then Latin words are lower-cased, stop-listed and stemmed. Mixed
content ("ERR-4012 登录失败") therefore indexes correctly whatever its locale says.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import LowercaseFilter, StemFilter, StopFilter, Token, Tokenizer

from knowledge.rendering import plain_text

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_PATTERN = re.compile(rf"[{_CJK}]+|[^\W{_CJK}_]+(?:['.][^\W{_CJK}_]+)*")
_CJK_RUN = re.compile(rf"[{_CJK}]+")
# Error codes, SKUs, order numbers: letters and digits joined by - _ # / or plain, with a digit.
IDENTIFIER_PATTERN = re.compile(r"(?<![\w-])#?[A-Za-z0-9]+(?:[-_/.][A-Za-z0-9]+)*(?![\w-])")
_SENTENCE_END = re.compile("(?<=[.!?\u3002\uff01\uff1f])\\s*")  # also CJK full stops

# whoosh's list plus question words and pronouns, which carry no topic in help searches.
STOP_WORDS = frozenset(
    """a an and are as at be by can for from have if in is it may not of on or that the this
    to us we when will with yet you your i me my mine am was were been being do does did
    doing how what which who whom why where there here any some so but into about than
    then them they their our its he she his her has had would could should shall might
    must just also very please get got""".split()  # noqa: SIM905
)

_jieba_lock = threading.Lock()
_jieba: Any = None


def _segmenter() -> Any:
    """jieba, initialised once per process (its dictionary load takes about a second)."""
    global _jieba
    with _jieba_lock:
        if _jieba is None:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()
            _jieba = jieba
    return _jieba


def cjk_words(run: str) -> list[str]:
    """Segment a run of Chinese characters in jieba's search mode (overlapping words)."""
    return [word for word in _segmenter().cut_for_search(run) if word.strip()]


class MixedTokenizer(Tokenizer):  # type: ignore[misc]
    """Words for alphabetic scripts, jieba segments for CJK runs."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        position = start_pos
        for match in _TOKEN_PATTERN.finditer(value):
            for text, offset in _pieces(match.group(0)):
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = position
                if chars:
                    token.startchar = start_char + match.start() + offset
                    token.endchar = token.startchar + len(text)
                position += 1
                yield token


def _pieces(word: str) -> Iterator[tuple[str, int]]:
    if not _CJK_RUN.fullmatch(word):
        yield word, 0
        return
    cursor = 0
    for piece in cjk_words(word):
        found = word.find(piece, max(0, cursor - len(piece)))
        offset = found if found >= 0 else cursor
        cursor = max(cursor, offset + len(piece))
        yield piece, offset


def mixed_analyzer() -> Any:
    """Tokenizer + lower-case + English stop words + Porter stemming (CJK passes unchanged)."""
    return (
        MixedTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=STOP_WORDS, minsize=1)
        | StemFilter()
    )


def identifiers(text: str) -> list[str]:
    """Identifier-like tokens (contain a digit and a letter or a separator): ERR-4012, SKU_99."""
    found: dict[str, None] = {}
    for match in IDENTIFIER_PATTERN.finditer(text):
        candidate = match.group(0).lstrip("#").lower()
        has_digit = any(ch.isdigit() for ch in candidate)
        looks_coded = any(ch.isalpha() for ch in candidate) or any(ch in "-_/" for ch in candidate)
        if has_digit and looks_coded and len(candidate) >= 3:
            found.setdefault(candidate, None)
        elif has_digit and candidate.isdigit() and len(candidate) >= 5:
            found.setdefault(candidate, None)  # long bare numbers: order or invoice numbers
    return list(found)


def normalize_query(text: str) -> str:
    """Lower-cased words in order, punctuation dropped: groups near-identical searches."""
    words = [m.group(0).lower() for m in _TOKEN_PATTERN.finditer(text)]
    return " ".join(words)[:500]


def content_hash(text: str) -> str:
    """A stable digest of a passage's text; equal hashes reuse their embedding."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _size(text: str) -> float:
    # Chinese has no spaces: count two characters as one word.
    cjk = sum(len(run) for run in _CJK_RUN.findall(text))
    return len(_CJK_RUN.sub(" ", text).split()) + cjk / 2


def split_passages(title: str, summary: str, body: str, max_words: int = 110) -> list[str]:
    """The title (with the summary) as one passage, then body chunks prefixed by the title."""
    head = f"{title}. {summary}".strip() if summary.strip() else title.strip()
    passages = [head]
    for chunk in _chunks(body, max_words):
        passages.append(f"{title.strip()}. {chunk}")
    return passages


def _chunks(body: str, max_words: int) -> Iterator[str]:
    current: list[str] = []
    used = 0.0
    for sentence in _sentences(body, max_words):
        size = _size(sentence)
        if current and used + size > max_words:
            yield " ".join(current)
            current, used = [], 0.0
        current.append(sentence)
        used += size
    if current:
        yield " ".join(current)


def _sentences(body: str, max_words: int) -> Iterator[str]:
    for block in re.split(r"\n\s*\n", body or ""):
        text = plain_text(block)
        for sentence in _SENTENCE_END.split(text):
            yield from _cut_long(sentence.strip(), max_words)


def _cut_long(sentence: str, max_words: int) -> Iterator[str]:
    if not sentence:
        return
    if _size(sentence) <= max_words:
        yield sentence
        return
    words = sentence.split()
    if len(words) <= 1:  # one long Chinese run without punctuation
        step = max_words * 2
        for start in range(0, len(sentence), step):
            yield sentence[start : start + step]
        return
    for start in range(0, len(words), max_words):
        yield " ".join(words[start : start + max_words])
