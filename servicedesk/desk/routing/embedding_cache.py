"""Sentence embeddings of training texts, cached on disk by content hash.

Encoding dominates the cost of training (about 390 sentences/s on two cores), so every
text is encoded once per model and kept in a `.npy` file keyed by sha256 of the text.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.embedding import Embedder, Vectors


def text_key(text: str) -> str:
    """The cache key of one text: sha256 of its UTF-8 bytes, hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Wraps an embedder; vectors of texts seen before come from disk, not the model."""

    def __init__(self, embedder: Embedder, directory: Path) -> None:
        self.embedder = embedder
        self.dimension = embedder.dimension
        self.name = embedder.name
        self._dir = directory / embedder.name.replace("/", "_")
        self._index: dict[str, int] | None = None
        self._vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One normalised row per text, encoding only the texts not cached yet."""
        keys = [text_key(text) for text in texts]
        with self._lock:
            index = self._load()
            missing: dict[str, str] = {}
            for key, text in zip(keys, texts, strict=True):
                if key not in index and key not in missing:
                    missing[key] = text
            if missing:
                fresh = self.embedder.encode(list(missing.values()))
                self._append(list(missing), fresh)
            rows = [self._index_of(key) for key in keys]
            return self._vectors[rows] if rows else np.zeros((0, self.dimension), np.float32)

    def _index_of(self, key: str) -> int:
        assert self._index is not None
        return self._index[key]

    def _load(self) -> dict[str, int]:
        if self._index is None:
            keys_file, vectors_file = self._dir / "keys.npy", self._dir / "vectors.npy"
            if keys_file.exists() and vectors_file.exists():
                keys = np.load(keys_file, allow_pickle=False)
                vectors = np.load(vectors_file, allow_pickle=False)
                if len(keys) == len(vectors) and vectors.shape[1:] == (self.dimension,):
                    self._vectors = vectors.astype(np.float32, copy=False)
                    self._index = {str(key): row for row, key in enumerate(keys)}
            if self._index is None:
                self._index = {}
        return self._index

    def _append(self, keys: list[str], vectors: Vectors) -> None:
        assert self._index is not None
        start = len(self._vectors)
        self._vectors = np.concatenate([self._vectors, vectors.astype(np.float32)])
        for offset, key in enumerate(keys):
            self._index[key] = start + offset
        self._save()

    def _save(self) -> None:
        # Write beside the target and rename, so a crash never leaves a torn cache.
        self._dir.mkdir(parents=True, exist_ok=True)
        assert self._index is not None
        keys = np.array(sorted(self._index, key=self._index.__getitem__), dtype="<U64")
        for name, array in (("keys", keys), ("vectors", self._vectors)):
            tmp = self._dir / f"{name}.{os.getpid()}.tmp.npy"
            np.save(tmp, array, allow_pickle=False)
            os.replace(tmp, self._dir / f"{name}.npy")
