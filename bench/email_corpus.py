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
