"""Index generations: a full rebuild fills a new whoosh directory while searches read the
old one, then a pointer file is swapped atomically.

Layout of the index root: `CURRENT` names the live generation (`gen-<token>`); without
it the root itself is the index (installations from before generations). Every writer,
incremental or swapping, holds `writer.lock` (an flock, so it works across processes and
is released if a process dies), and resolves `CURRENT` only after taking it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POINTER = "CURRENT"
LOCK_FILE = "writer.lock"
PREFIX = "gen-"


class WriterBusy(TimeoutError):
    """Another writer held the index lock for longer than the timeout."""


def current_generation(root: Path) -> Path:
    """The directory the live index is in."""
    try:
        name = (root / POINTER).read_text().strip()
    except FileNotFoundError:
        return root
    return root / name


def new_generation(root: Path) -> Path:
    """A fresh, empty directory for a rebuild (not live until `publish`)."""
    path = root / f"{PREFIX}{uuid.uuid4().hex[:12]}"
    path.mkdir(parents=True)
    return path


def publish(root: Path, generation: Path) -> None:
    """Make `generation` live atomically, and drop generations older than the previous
    one (the previous stays: other processes refresh their searchers within a second)."""
    previous = current_generation(root)
    staging = root / f"{POINTER}.{uuid.uuid4().hex[:8]}"
    staging.write_text(generation.name)
    os.replace(staging, root / POINTER)
    keep = {generation.name, previous.name}
    for path in root.glob(f"{PREFIX}*"):
        if path.is_dir() and path.name not in keep:
            shutil.rmtree(path, ignore_errors=True)
    if previous != root:  # an index from before generations, two swaps old: unused
        for path in [*root.glob("_MAIN_*.toc"), *root.glob("MAIN_*.seg")]:
            path.unlink(missing_ok=True)


def discard(generation: Path) -> None:
    """Remove an unfinished rebuild."""
    shutil.rmtree(generation, ignore_errors=True)


@contextmanager
def writer_lock(root: Path, timeout: float = 120.0) -> Iterator[None]:
    """Hold the one-writer lock of the index root."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK_FILE).open("a") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WriterBusy(f"the index at {root} is locked by another writer") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
