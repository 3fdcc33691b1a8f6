"""Router benchmark: intent accuracy, out-of-scope recall, latency.

    python -m bench.router_accuracy [--data ../shared/data] --json-out FILE

Trains on train splits only (the router picks its own out-of-scope cut-offs from them)
and reports on test splits only.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import time
from pathlib import Path
from typing import Any

from knowledge.embedding import Embedder, MiniLMEmbedder
from servicedesk.desk.routing.embedding_cache import EmbeddingCache
from servicedesk.desk.routing.metrics import evaluate
from servicedesk.desk.routing.sentence_views import MeanMaxEncoder
from servicedesk.desk.routing.training import RouterModel, train_model

Rows = list[tuple[str, str]]


def _csv_rows(path: Path, text: str, label: str) -> Rows:
    with path.open(encoding="utf-8", newline="") as handle:
        return [(row[text], row[label]) for row in csv.DictReader(handle)]


def _fit_and_score(
    train: Rows, test: Rows, cache: Embedder, oos: str | None = None
) -> dict[str, Any]:
    started = time.monotonic()
    model = train_model([t for t, _ in train], [label for _, label in train], cache)
    seconds = time.monotonic() - started
    texts = [t for t, _ in test]
    result = evaluate([label for _, label in test], model.classify(texts, cache.encode(texts)), oos)
    result["train_seconds"] = round(seconds, 1)
    result["cv_accuracy"] = model.metrics["cv_accuracy"]
    return result


def _few_shot(rows: Rows, per_label: int, seed: int) -> Rows:
    rng, by_label = random.Random(seed), {}
    for text, label in rows:
        by_label.setdefault(label, []).append((text, label))
    return [row for label in sorted(by_label) for row in rng.sample(by_label[label], per_label)]


def banking(data: Path, cache: Embedder) -> dict[str, Any]:
    train = _csv_rows(data / "banking77" / "train.csv", "text", "category")
    test = _csv_rows(data / "banking77" / "test.csv", "text", "category")
    full = _fit_and_score(train, test, cache)
    shots = [_fit_and_score(_few_shot(train, 10, seed), test, cache) for seed in range(3)]
    return {
        "full": full,
        "10_shot": {
            "accuracy": round(statistics.mean(s["accuracy"] for s in shots), 4),
            "macro_f1": round(statistics.mean(s["macro_f1"] for s in shots), 4),
            "per_seed": [s["accuracy"] for s in shots],
        },
    }


def clinc(data: Path, cache: Embedder) -> dict[str, Any]:
    raw = json.loads((data / "clinc150" / "data_full.json").read_text())
    train = [(t, label) for t, label in raw["train"]]
    test = [(t, label) for t, label in raw["test"]] + [(t, "oos") for t, _ in raw["oos_test"]]
    return _fit_and_score(train, test, cache, oos="oos")


def bitext(data: Path, cache: Embedder) -> dict[str, Any]:
    folder = data / "bitext_customer_service"
    train = _csv_rows(
        folder / "Bitext_Sample_Customer_Service_Training_Dataset.csv", "utterance", "category"
    )
    test = _csv_rows(
        folder / "Bitext_Sample_Customer_Service_Testing_Dataset.csv", "utterance", "category"
    )
    return _fit_and_score(train, test, cache)


def latency(data: Path, embedder: Embedder, cache: Embedder) -> dict[str, Any]:
    """One message at a time through the real model, as the router does at intake."""
    train = _csv_rows(data / "banking77" / "train.csv", "text", "category")
    test = _csv_rows(data / "banking77" / "test.csv", "text", "category")[:300]
    model: RouterModel = train_model([t for t, _ in train], [lab for _, lab in train], cache)
    timings = []
    for text, _ in test:
        started = time.perf_counter()
        model.classify([text], embedder.encode([text]))
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "p50_ms": round(timings[len(timings) // 2], 2),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 2),
    }


def assignment(agents: int = 200) -> dict[str, Any]:
    """Time of one assignment decision over `agents` online candidates."""
    from bench.router_assignment import decision_time

    return decision_time(agents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--json-out", type=Path, default=Path("router_accuracy.json"))
    parser.add_argument("--cache-dir", type=Path, default=Path("instance/bench-embeddings"))
    args = parser.parse_args()
    # The router's features: mean and max views of one MiniLM pass, as CategoryService.
    embedder = MeanMaxEncoder(MiniLMEmbedder())
    cache = EmbeddingCache(embedder, args.cache_dir)
    results = {
        "banking77": banking(args.data, cache),
        "clinc150": clinc(args.data, cache),
        "bitext_category": bitext(args.data, cache),
        "latency": latency(args.data, embedder, cache),
        "assignment": assignment(),
    }
    args.json_out.write_text(json.dumps(results, indent=2))
    _print_table(results)


def _print_table(r: dict[str, Any]) -> None:
    b, c = r["banking77"], r["clinc150"]
    lines = [
        (
            "Banking77 full: accuracy / macro-F1",
            f"{b['full']['accuracy']:.4f} / {b['full']['macro_f1']:.4f}",
        ),
        (
            "Banking77 10-shot (3 seeds): accuracy / macro-F1",
            f"{b['10_shot']['accuracy']:.4f} / {b['10_shot']['macro_f1']:.4f}",
        ),
        (
            "CLINC150 in-scope accuracy / OOS recall / MCC",
            f"{c['in_scope_accuracy']:.4f} / {c['oos_recall']:.4f} / {c['mcc']:.4f}",
        ),
        (
            "Bitext category accuracy / macro-F1",
            f"{r['bitext_category']['accuracy']:.4f} / {r['bitext_category']['macro_f1']:.4f}",
        ),
        (
            "Classification latency p50 / p99 (ms)",
            f"{r['latency']['p50_ms']} / {r['latency']['p99_ms']}",
        ),
        (
            "Assignment decision, 200 agents online p50 / p99 (ms)",
            f"{r['assignment']['p50_ms']} / {r['assignment']['p99_ms']}",
        ),
    ]
    width = max(len(name) for name, _ in lines)
    for name, value in lines:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
