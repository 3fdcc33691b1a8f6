"""CPU per chat question: the float MiniLM against its int8 copy, by batch size.

    python -m bench.encoder_cost [--rounds 6] [--requests 96] [--json]

Two tables, each encoder measured in alternation with the others (A/B/A/B) on one torch
thread, as the suggestion process runs:

- `encode`: CPU ms per text for chat turns as `bench.chat_latency` makes them (a
  subject and one to five demo questions), by batch size; and how close the int8
  vectors are to the float ones (cosine);
- `run`: CPU ms per suggested request of a whole suggestion run
  (`desk.suggestions.search_for_requests`: the turn read, the batched encoding, keyword
  and vector search, snippets, similar solved requests) on the demo's desk, by batch.

JSON in bench/results/encoder_cost.json.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.chat_latency import QUESTIONS, question
from knowledge.embedding import QUERY_BATCH, MiniLMEmbedder

RESULTS = Path(__file__).resolve().parent / "results"
BATCHES = (1, 8, 16, 32)


def encoders() -> dict[str, MiniLMEmbedder]:
    """Before (float, one padded batch), float sub-batched, and the query encoder now."""
    return {
        "float, batch 64 (before)": MiniLMEmbedder(batch_size=64),
        f"float, sub-batches of {QUERY_BATCH}": MiniLMEmbedder(batch_size=QUERY_BATCH),
        f"int8, sub-batches of {QUERY_BATCH} (now)": MiniLMEmbedder(
            batch_size=QUERY_BATCH, quantized=True
        ),
    }


def chat_turn(rng: random.Random) -> str:
    """A customer's turn of one to five questions, as `question_of` gives it for a chat
    (whose subject, its first line, is not repeated)."""
    return "\n".join(question(rng) for _ in range(rng.randint(1, 5)))


def cpu_ms_per_item(work: Callable[[Sequence[Any]], object], items: list[list[Any]]) -> float:
    started = time.process_time()
    for chunk in items:
        work(chunk)
    return (time.process_time() - started) * 1000 / sum(len(chunk) for chunk in items)


def alternating(
    subjects: dict[str, Callable[[Sequence[Any]], object]],
    make_batch: Callable[[int], list[Any]],
    rounds: int,
) -> dict[int, dict[str, float]]:
    """Median CPU ms per item for each subject and batch size, subjects taken in turn."""
    table: dict[int, dict[str, float]] = {}
    for size in BATCHES:
        samples: dict[str, list[float]] = {name: [] for name in subjects}
        for _ in range(rounds):
            batches = [make_batch(size) for _ in range(max(1, 32 // size))]
            for name, work in subjects.items():
                samples[name].append(cpu_ms_per_item(work, batches))
        table[size] = {name: round(float(np.median(s)), 2) for name, s in samples.items()}
    return table


def closeness(float_model: MiniLMEmbedder, int8_model: MiniLMEmbedder) -> dict[str, float]:
    """Cosine of int8 and float vectors of the same texts (turns and single questions)."""
    rng = random.Random(11)
    texts = [chat_turn(rng) for _ in range(300)] + list(QUESTIONS)
    cosines = np.sum(float_model.encode(texts) * int8_model.encode(texts), axis=1)
    return {
        "texts": len(texts),
        "min": round(float(cosines.min()), 4),
        "p1": round(float(np.percentile(cosines, 1)), 4),
        "mean": round(float(cosines.mean()), 4),
    }


def suggestion_runs(requests: int, rounds: int) -> dict[int, dict[str, float]]:
    """CPU ms per suggested request of `search_for_requests`, float vs int8 questions."""
    from bench.chat_server import build_config, seed
    from servicedesk.container import Container

    with tempfile.TemporaryDirectory(prefix="encoder_cost_") as workdir:
        config = build_config(Path(workdir), "http://127.0.0.1:5000", "http://127.0.0.1:5000", None)
        seed(config, agents=1)
        container = Container.build(config)
        try:
            return _alternating_runs(container, config, requests, rounds)
        finally:
            container.engine.dispose()


def _alternating_runs(
    container: Any, config: Any, requests: int, rounds: int
) -> dict[int, dict[str, float]]:
    from knowledge.embedding import shared_embedder, shared_query_embedder
    from knowledge.service import KnowledgeBase
    from servicedesk.desk.suggestions import search_for_requests

    request_ids = open_requests(container, requests)
    stored = shared_embedder()
    bases = {
        "float": KnowledgeBase(container.sessions, config.whoosh_dir, stored),
        "int8": KnowledgeBase(
            container.sessions, config.whoosh_dir, stored, query_embedder=shared_query_embedder()
        ),
    }
    for knowledge in bases.values():
        knowledge.search("warm up", log=False)
    rng = random.Random(5)

    def runner(knowledge: KnowledgeBase) -> Callable[[Sequence[int]], object]:
        def run(ids: Sequence[int]) -> object:
            # Every turn is new text in the chat bench: forget the ones of earlier rounds.
            # (Not `query_cache_size = 0`: that also turns the run's batched encoding off.)
            knowledge.searcher._recent_queries.clear()
            return search_for_requests(container.uow, knowledge, list(ids))

        return run

    return alternating(
        {name: runner(kb) for name, kb in bases.items()},
        lambda size: rng.sample(request_ids, size),
        rounds,
    )


def open_requests(container: Any, count: int) -> list[int]:
    """`count` chat requests whose customer turn is one to five messages (no reply yet)."""
    from channels.messages import InboundMessage, Sender
    from servicedesk.desk.operations import receive_inbound

    rng = random.Random(3)
    ids: list[int] = []
    with container.uow() as uow:
        for number in range(count):
            for part in range(rng.randint(1, 5)):
                message = InboundMessage(
                    channel="webchat",
                    external_id=f"m{number}-{part}",
                    sender=Sender("webchat", f"visitor-{number}"),
                    text=question(rng),
                    thread_key=f"conversation-{number}",
                )
                request_id = receive_inbound(uow, message).request_id
            ids.append(request_id)
        uow.commit()
    return ids


def print_table(title: str, table: dict[int, dict[str, float]]) -> None:
    names = list(next(iter(table.values())))
    print(f"\n{title}\n| batch | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for size, row in table.items():
        print(f"| {size} | " + " | ".join(f"{row[n]:.2f}" for n in names) + " |")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6, help="alternations per batch size")
    parser.add_argument("--requests", type=int, default=96, help="chat requests on the desk")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)

    models = encoders()
    for model in models.values():
        model.encode(["warm up"])  # loads (and quantises) outside the timings
    rng = random.Random(7)
    encode = alternating(
        {name: model.encode for name, model in models.items()},
        lambda size: [chat_turn(rng) for _ in range(size)],
        args.rounds,
    )
    float_model, _, int8_model = models.values()
    result = {
        "encode_cpu_ms_per_text": encode,
        "int8_cosine_to_float": closeness(float_model, int8_model),
        "run_cpu_ms_per_request": suggestion_runs(args.requests, args.rounds),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "encoder_cost.json").write_text(json.dumps(result, indent=2) + "\n")
    if args.json:
        print(json.dumps(result))
        return result
    print_table("CPU ms per chat turn encoded (median of alternating rounds)", encode)
    print(f"\nint8 vs float cosine: {result['int8_cosine_to_float']}")
    print_table("CPU ms per suggested request, whole run", result["run_cpu_ms_per_request"])
    return result


if __name__ == "__main__":
    main()
