"""Separate the visible reply from quoted history and signatures (line-based, linear time).

No backtracking regular expression ever sees more than one bounded window of lines, so
pathological bodies (huge quotes, long runs of punctuation) stay fast.
"""

from __future__ import annotations

import re

_WINDOW = 4  # a wrapped "On ... wrote:" attribution spans at most this many lines
_MAX_MATCH_CHARS = 600  # attribution lines are short; longer text is never a header

# "On <date>, <name> wrote:" and its translations: (opening words, closing words).
_ATTRIBUTIONS = (
    (("on ",), ("wrote:", "writes:")),
    (("am ", "on "), ("schrieb:", "schrieb ", "geschrieben:")),
    (("le ",), ("a écrit :", "a écrit:")),
    (("el ",), ("escribió:",)),
    (("op ",), ("geschreven:", "schreef:")),
    (("il ",), ("ha scritto:",)),
    (("em ",), ("escreveu:",)),
    (("den ",), ("skrev:",)),
    (("w dniu ",), ("napisał:", "napisała:")),
)
# "Am <date> schrieb Name <addr>:" puts the verb before the name.
_VERBS_BEFORE_NAME = (
    " schrieb ",
    " a écrit ",
    " escribió ",
    " ha scritto ",
    " escreveu ",
    " skrev ",
)
_OPENINGS = ("am ", "le ", "el ", "il ", "em ", "den ", "on ")
# Closings specific enough to trust when the attribution starts with a date or a name.
_LOOSE_CLOSINGS = ("wrote:", "написал:", "написала:", "schrieb:", "a écrit :", "escribió:")
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|"
    r"mensaje original|oorspronkelijk bericht|messaggio originale|mensagem original)\s*-{2,}",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"^\s*[-_=]{5,}\s*$")
_HEADER_LINE = re.compile(
    r"^\s*\*?(from|von|de|van|da|od|från|fra|от|sent|gesendet|envoyé|enviado|отправлено|"
    r"date|datum|дата|to|an|à|para|кому|subject|betreff|objet|asunto|тема|cc|копия)\s*:\*?\s",
    re.IGNORECASE,
)
_FROM_LINE = re.compile(r"^\s*\*?(from|von|de|van|da|od|från|fra|от)\s*:\*?\s", re.IGNORECASE)
# "26.06.2014, 14:41, "Name" <a@b>:" or "<date> от Name <a@b>:" right above a quote block.
_INTRODUCER_HINT = re.compile(r"@|\d{4}|\d{1,2}:\d{2}")
_MOBILE_SIGNATURE = re.compile(
    r"^(sent from my [\w.' -]{1,40}|sent from (outlook|mail|yahoo mail)[\w ]{0,30}|"
    r"get outlook for \w+|von meinem [\w ]{1,30} gesendet|envoyé de mon [\w ]{1,30}|"
    r"enviado desde mi [\w ]{1,30})$",
    re.IGNORECASE,
)


def _normalise(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _is_attribution(lines: list[str], index: int) -> bool:
    first = lines[index].strip().lower()
    if not first or first.startswith(">"):
        return False
    joined = first
    for offset in range(_WINDOW):
        if offset:
            if index + offset >= len(lines) or not lines[index + offset].strip():
                break
            joined = f"{joined} {lines[index + offset].strip().lower()}"
        if len(joined) > _MAX_MATCH_CHARS:
            return False
        for openings, closings in _ATTRIBUTIONS:
            if joined.startswith(openings) and joined.endswith(closings):
                return True
        if joined.endswith(_LOOSE_CLOSINGS) and first[:1].isdigit():
            return True
        if joined.endswith(":") and any(verb in joined for verb in _VERBS_BEFORE_NAME):
            return "@" in joined and joined.startswith(_OPENINGS)
    return False


def _is_outlook_header(lines: list[str], index: int) -> bool:
    """Three or more header-looking lines in a row, one of them From (Outlook, Hotmail).

    Hotmail starts the block with Date:, Outlook with From:.
    """
    if not _HEADER_LINE.match(lines[index][:_MAX_MATCH_CHARS]):
        return False
    block = [lines[index]]
    for line in lines[index + 1 : index + 7]:
        if not line.strip():
            continue
        if not _HEADER_LINE.match(line[:_MAX_MATCH_CHARS]):
            break
        block.append(line)
    return len(block) >= 3 and any(_FROM_LINE.match(line[:_MAX_MATCH_CHARS]) for line in block)


def _quote_start(lines: list[str]) -> int | None:
    """Index of the first line that opens the quoted history, if any."""
    for index, line in enumerate(lines):
        head = line[:_MAX_MATCH_CHARS]
        if _ORIGINAL_MESSAGE.match(head) or _is_attribution(lines, index):
            return index
        if _SEPARATOR.match(head):
            nxt = next((i for i in range(index + 1, len(lines)) if lines[i].strip()), None)
            if nxt is not None and _is_outlook_header(lines, nxt):
                return index
        if _is_outlook_header(lines, index):
            return index
    return _trailing_quote_block(lines)


def _trailing_quote_block(lines: list[str]) -> int | None:
    """Start of a block of '>' lines that runs to the end, with the line introducing it."""
    start = None
    for index in range(len(lines) - 1, -1, -1):
        stripped = lines[index].strip()
        if not stripped:
            continue
        if stripped.startswith(">"):
            start = index
        else:
            return index if start is not None and _introduces_quote(stripped) else start
    return start


def _introduces_quote(line: str) -> bool:
    """An attribution we have no words for: short, ends in ':', has a date or an address."""
    return len(line) <= 300 and line.endswith(":") and bool(_INTRODUCER_HINT.search(line))


def strip_quotes(text: str) -> str:
    """The reply without the quoted history below it (interleaved answers are kept)."""
    lines = _normalise(text)
    start = _quote_start(lines)
    if start is None:
        return text.replace("\r\n", "\n").strip()
    kept = "\n".join(lines[:start]).strip()
    if not kept:
        kept = _bottom_post(lines, start)
    # A mail that is nothing but a quote (forward without comment) keeps its content.
    return kept if kept else text.replace("\r\n", "\n").strip()


def _bottom_post(lines: list[str], start: int) -> str:
    """A reply written below the quote it answers: the unquoted lines after the quote."""
    rest = [line for line in lines[start + 1 :] if not line.lstrip().startswith(">")]
    body = "\n".join(rest).strip()
    return body if body and not _is_attribution(rest, 0) else ""


def strip_signature(text: str) -> str:
    """The text above the signature: '-- ' delimiter (RFC 3676 4.3) or a mobile footer."""
    lines = _normalise(text)
    for index, line in enumerate(lines):
        if line.rstrip() in ("--", "-- ") and index > 0:
            lines = lines[:index]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > 1 and _MOBILE_SIGNATURE.match(lines[-1].strip()[:_MAX_MATCH_CHARS]):
        lines.pop()
    if len(lines) > 1 and _SEPARATOR.match(lines[-1]) and "_" in lines[-1]:
        lines.pop()
    return "\n".join(lines).strip()


def visible_reply(text: str) -> str:
    """What the customer wrote this time: quotes and signature removed."""
    reply = strip_signature(strip_quotes(text))
    return reply if reply else text.replace("\r\n", "\n").strip()
