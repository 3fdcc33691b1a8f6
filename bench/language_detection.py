"""Language detection: accuracy per language, cost per message, load time and memory.

    python -m bench.language_detection [--data ../shared/data] [--per-language 400]

Measures on the multilingual synthetic support tickets (en, de, es, fr, pt; CC BY-NC: for
measuring only, never shipped): each ticket's subject (a few words, like a chat message)
and its body (a mail). Each detector runs in a fresh process of its own, so that its load
time and memory are its own; costs are that process's CPU time, which other jobs on the
machine do not inflate. Prints a table; JSON in bench/results/language_detection.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TICKETS = "support_tickets_synthetic"
KINDS = ("subject", "body")
DETECTORS = {
    "stop words (before)": "stopwords",
    "lingua, the desk's 12 languages": "lingua",
    "lingua, 12, low accuracy": "lingua-low",
    "lingua, all 75 languages": "lingua-all",
}
RESULTS = Path(__file__).parent / "results" / "language_detection.json"

# The detector this bench replaced (servicedesk/desk/routing/language.py before lingua).
_STOPWORDS = {
    "en": "the and is are you your my to of for it this that have with not please can i we",
    "de": "der die das und ist nicht ich sie mit ein eine zu auf für bitte mein meine haben wir",
    "fr": "le la les et est je vous pas une des pour dans avec mon ma merci nous sur",
    "es": "el la los las y es que no por para una con mi gracias favor hola estoy",
    "pt": "o a os as e é que não para uma com meu minha obrigado você estou por",
    "it": "il lo la gli e è che non per una con mio mia grazie sono ciao",
    "nl": "de het een en is niet ik je met voor op mijn bedankt wij zijn",
}
_SETS = {code: frozenset(words.split()) for code, words in _STOPWORDS.items()}
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def stop_words(text: str) -> str | None:
    words = [w.lower() for w in _WORDS.findall(text)[:400]]
    scores = {code: sum(w in stop for w in words) for code, stop in _SETS.items()}
    best = max(scores, key=lambda code: scores[code])
    return best if scores[best] > 0 else None


def load_tickets(data: Path, per_language: int, seed: int = 7) -> list[dict[str, str]]:
    """Up to `per_language` distinct tickets per language, the same ones on every run."""
    by_language: dict[str, dict[str, dict[str, str]]] = {}
    for path in sorted((data / TICKETS).glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("language") and row.get("subject") and row.get("body"):
                    by_language.setdefault(row["language"], {})[row["body"]] = row
    rng = random.Random(seed)
    picked: list[dict[str, str]] = []
    for language in sorted(by_language):
        rows = sorted(by_language[language].values(), key=lambda r: r["body"])
        picked += rng.sample(rows, min(per_language, len(rows)))
    return picked


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def build(name: str) -> Callable[[str], str | None]:
    if name == "stopwords":
        return stop_words
    from servicedesk.desk.routing import language

    if name == "lingua":
        return language.detect_language
    from lingua import LanguageDetectorBuilder

    if name == "lingua-low":
        detector = language.build_detector(language.LANGUAGES, low_accuracy=True)
    else:
        builder = LanguageDetectorBuilder.from_all_languages()
        detector = builder.with_preloaded_language_models().build()

    def detect(text: str) -> str | None:
        found = detector.detect_language_of(text[: language.MAX_CHARS])
        return found.iso_code_639_1.name.lower() if found is not None else None

    return detect


def measure_one(name: str, data: Path, per_language: int) -> dict[str, Any]:
    """In this process: load the detector, then run it over every ticket."""
    tickets = load_tickets(data, per_language)
    before = rss_mb()
    started = time.process_time()
    detect = build(name)
    detect("Mein Drucker druckt seit gestern nur leere Seiten.")  # the lazy one loads here
    result: dict[str, Any] = {
        "load_seconds": round(time.process_time() - started, 2),
        "load_mb": round(rss_mb() - before, 1),
    }
    for kind in KINDS:
        hits: dict[str, list[int]] = {}
        unknown: dict[str, int] = {}
        seconds: list[float] = []
        for ticket in tickets:
            # CPU time, not wall time: on a shared machine the wall clock counts the others.
            started = time.process_time()
            found = detect(ticket[kind])
            seconds.append(time.process_time() - started)
            hits.setdefault(ticket["language"], []).append(int(found == ticket["language"]))
            unknown[ticket["language"]] = unknown.get(ticket["language"], 0) + (found is None)
        count = len(tickets)
        right = sum(sum(h) for h in hits.values())
        result[kind] = {
            "accuracy": {lang: round(statistics.mean(h), 3) for lang, h in sorted(hits.items())},
            "unknown": {lang: round(unknown[lang] / len(hits[lang]), 3) for lang in sorted(hits)},
            "overall": round(right / count, 3),
            # Wrong (neither right nor unknown) is what hurts: routing then wants agents
            # who speak a language the customer did not write in.
            "wrong": round(1 - (right + sum(unknown.values())) / count, 3),
            "mean_us": round(statistics.mean(seconds) * 1e6, 1),
            "p99_us": round(sorted(seconds)[int(len(seconds) * 0.99)] * 1e6, 1),
            "mean_chars": round(statistics.mean(len(t[kind]) for t in tickets)),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--per-language", type=int, default=400)
    parser.add_argument("--one", choices=sorted(DETECTORS.values()), help=argparse.SUPPRESS)
    parser.add_argument("--json-out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure_one(args.one, args.data, args.per_language)))
        return
    results: dict[str, Any] = {"per_language": args.per_language, "detectors": {}}
    for label, name in DETECTORS.items():
        command = [sys.executable, "-m", "bench.language_detection", "--one", name]
        command += ["--data", str(args.data), "--per-language", str(args.per_language)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results["detectors"][label] = json.loads(out)
    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps(results, indent=2))
    print_table(results)


def print_table(results: dict[str, Any]) -> None:
    detectors = results["detectors"]
    languages = sorted(next(iter(detectors.values()))["subject"]["accuracy"])
    head = ["detector", "text", *languages, "all", "wrong", "CPU µs/msg", "p99", "load CPU s", "MB"]
    print(" | ".join(head))
    for label, r in detectors.items():
        for kind in KINDS:
            row = r[kind]
            cells = [f"{row['accuracy'][lang]:.1%}" for lang in languages]
            cells += [f"{row['overall']:.1%}", f"{row['wrong']:.1%}"]
            cells += [f"{row['mean_us']:.0f}", f"{row['p99_us']:.0f}"]
            load = [str(r["load_seconds"]), str(r["load_mb"])] if kind == "subject" else ["", ""]
            print(" | ".join([label, kind, *cells, *load]))


if __name__ == "__main__":
    main()
