"""Checking a visitor's file: size, and a type judged by name and content, not by the browser."""

from __future__ import annotations

import mimetypes
from typing import Any

from channels.messages import AttachmentData

# Types a chat visitor may send; anything executable or scriptable (HTML, SVG) is refused.
ALLOWED_TYPES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
    "text/plain": (),
}


class UploadRefused(ValueError):
    """The file breaks a limit; `status` is the HTTP status to answer with."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def checked_upload(file: Any, max_bytes: int) -> AttachmentData:
    """The uploaded file as attachment data, or `UploadRefused` saying which limit it broke."""
    if file is None or not file.filename:
        raise UploadRefused("no file")
    filename = str(file.filename).replace("\\", "/").rsplit("/", 1)[-1][:200]
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    if content_type not in ALLOWED_TYPES:
        raise UploadRefused(f"{content_type} files are not accepted", 415)
    content = file.stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise UploadRefused(f"the file is larger than {max_bytes // 1024} KiB", 413)
    if not content:
        raise UploadRefused("the file is empty")
    signatures = ALLOWED_TYPES[content_type]
    if signatures and not content.startswith(signatures):
        raise UploadRefused(f"the file does not look like {content_type}", 415)
    if not signatures and b"\0" in content[:4096]:
        raise UploadRefused("a text file must not contain binary data", 415)
    return AttachmentData(filename=filename, content_type=content_type, content=content)
