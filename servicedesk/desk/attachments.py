"""Attachment bytes stored content-addressed by SHA-256 under the instance dir."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class AttachmentTooLarge(ValueError):
    """The file is over the configured size limit."""


class AttachmentStore:
    """Writes each distinct content once, at `root/ab/cd/<sha256>`."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def save(self, content: bytes) -> str:
        """Store the bytes (idempotent) and return their digest."""
        if len(content) > self.max_bytes:
            raise AttachmentTooLarge(f"{len(content)} bytes is over the {self.max_bytes} limit")
        digest = hashlib.sha256(content).hexdigest()
        path = self.path_for(digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write to a temp file and rename, so a crash never leaves half a file under the digest.
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(tmp, path)
        return digest

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def delete(self, sha256: str) -> bool:
        """Remove the stored bytes (erasure); False when they were not there."""
        path = self.path_for(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True
