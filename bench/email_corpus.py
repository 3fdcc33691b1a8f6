"""The mail the email benchmarks read: corpus files, the real-world mix, synthetic copies."""

from __future__ import annotations

import re
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mail"
NOT_MAIL = ("LICENSE", "expected", "_body", "_sender", "_signature", "_reply_text", "unicode_msg")


def corpus_files(data: Path) -> list[Path]:
    """Every raw mail of zammad_mail and email_corpora (not expectations or plain bodies)."""
    files = sorted((data / "zammad_mail" / "mail").glob("*.box"))
    corpora = data / "email_corpora"
    for path in sorted(corpora.rglob("*")):
        if not path.is_file() or path.suffix in (".json", ".txt", ".html"):
            continue
        if any(marker in path.name for marker in NOT_MAIL) or "email_reply_parser" in str(path):
            continue
        files.append(path)
    return files


def real_world_files(data: Path) -> list[Path]:
    """The real-world mix of issue 18: Zammad's mails, flanker's and mail-parser's samples."""
    sets = {"zammad_mail", "flanker", "mail_parser"}
    return [path for path in corpus_files(data) if sets & set(path.relative_to(data).parts)]


def new_id(raw: bytes, message_id: bytes) -> bytes:
    pattern = rb"(?im)^message-id:[^\r\n]*"
    return re.sub(pattern, b"Message-ID: " + message_id, raw, count=1)


def distinct_copies(raws: list[bytes], copies: int) -> list[bytes]:
    """Copies get their own Message-ID and bytes, so every mail is new to the desk."""
    batch = [
        new_id(raw, b"<copy-%d-%d@bench>" % (copy, i)) if copy else raw
        for copy in range(copies)
        for i, raw in enumerate(raws)
    ]
    return [b"X-Bench-Copy: %d\r\n" % i + raw for i, raw in enumerate(batch)]


# Header fields whose ids thread mail, and those a sender is read from (parser._sender).
_ID_FIELDS = rb"message-id|in-reply-to|references"
_SENDER_FIELDS = rb"from|sender|reply-to|return-path"
# Continuation lines; some gateways drop the indent of folded ids (a line starting "<").
_FIELD = rb"(?im)^(?:%s)[ \t]*:[^\n]*(?:\n[ \t<][^\n]*)*"
_ID_TOKEN = re.compile(rb"(?<![^\s,:])(<?)(?=[^\s,<>])")
_FIRST_FIELD = re.compile(rb"(?m)^[!-9;-~]{1,76}:")


def repeated_set(raws: list[bytes], copies: int) -> list[bytes]:
    """The set `copies` times over: the first copy as it is, each later one a new set.

    In copy N every Message-ID, In-Reply-To and References id gets the prefix `bN.` (so
    a copy's replies point into that copy, as in the original) and every sender address
    the domain prefix `cN.` (its customers are new to the desk, as they were to a fresh
    instance); an `X-Bench-Copy: N` field makes even mails without either new bytes.
    Bytes equal within the original stay equal within a copy (a repeat stays a repeat).
    """
    return [raw if copy == 0 else _copy_of(raw, copy) for copy in range(copies) for raw in raws]


def _copy_of(raw: bytes, copy: int) -> bytes:
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=len(raw))
    head, body = raw[:end], raw[end:]
    ids = re.compile(_FIELD % _ID_FIELDS)
    senders = re.compile(_FIELD % _SENDER_FIELDS)
    head = ids.sub(lambda m: _prefix_ids(m.group(0), b"b%d." % copy), head)
    head = senders.sub(lambda m: m.group(0).replace(b"@", b"@c%d." % copy), head)
    first = _FIRST_FIELD.search(head)  # after an mbox "From " line or a banner
    at = first.start() if first else 0
    newline = b"\r\n" if b"\r\n" in head else b"\n"
    return head[:at] + b"X-Bench-Copy: %d" % copy + newline + head[at:] + body


def _prefix_ids(field: bytes, prefix: bytes) -> bytes:
    name, colon, value = field.partition(b":")
    return name + colon + _ID_TOKEN.sub(lambda m: m.group(1) + prefix, value)
