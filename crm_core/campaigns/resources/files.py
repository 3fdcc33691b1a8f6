"""Uploaded files: the types the library takes, their size limit, and a safe stored name.

The bytes go to the desk's content-addressed attachment store, handed in as a `BlobStore`
(crm_core imports nothing above it). The type served on download is ours, looked up from
the extension, never the uploader's claim, and formats with a signature must carry it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import Protocol

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_OFFICE = "application/vnd.openxmlformats-officedocument."
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".md": "text/markdown",
    ".docx": f"{_OFFICE}wordprocessingml.document",
    ".xlsx": f"{_OFFICE}spreadsheetml.sheet",
    ".pptx": f"{_OFFICE}presentationml.presentation",
}
_ZIP = b"PK\x03\x04"
SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".webp": (b"RIFF",),
    ".docx": (_ZIP,),
    ".xlsx": (_ZIP,),
    ".pptx": (_ZIP,),
}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ResourceInvalid(ValueError):
    """Bad input; the message starts with the field's name ("file: ...")."""


class BlobStore(Protocol):
    """Where file bytes live (`servicedesk.desk.attachments.AttachmentStore`)."""

    def save(self, content: bytes) -> str: ...

    def read(self, sha256: str) -> bytes: ...


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int


def safe_filename(name: str) -> str:
    """The last path part, in safe characters only (it ends up in a header)."""
    base = PureWindowsPath(PurePosixPath(name).name).name
    stem = _UNSAFE.sub("_", base).strip("._") or "file"
    return stem[-120:]


def check_upload(upload: Upload, max_bytes: int = DEFAULT_MAX_BYTES) -> CheckedFile:
    """Refuse an empty or oversized file, an unknown type, or content not of its type."""
    filename = safe_filename(upload.filename)
    extension = PurePosixPath(filename).suffix.lower()
    if not upload.content:
        raise ResourceInvalid("file: the file is empty")
    if len(upload.content) > max_bytes:
        raise ResourceInvalid(f"file: {len(upload.content)} bytes is over the {max_bytes} limit")
    content_type = CONTENT_TYPES.get(extension)
    if content_type is None:
        allowed = ", ".join(sorted(CONTENT_TYPES))
        raise ResourceInvalid(f"file: {extension or 'no extension'} is not one of {allowed}")
    signatures = SIGNATURES.get(extension)
    if signatures and not upload.content.startswith(signatures):
        raise ResourceInvalid(f"file: the content is not a {extension} file")
    if content_type.startswith("text/") and not _is_text(upload.content):
        raise ResourceInvalid(f"file: the content is not {extension} text")
    return CheckedFile(filename, content_type, len(upload.content))


def _is_text(content: bytes) -> bool:
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in content
