"""`servicedesk mail ingest --json` timed as a user runs it: real-world mail beside synthetic.

Used by bench.email_ingest (the `cli_*` rows); the rates leave out start-up.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.email_corpus import FIXTURES, distinct_copies, repeated_set
from servicedesk.cli.mail import default_parse_workers

STARTUP_MAIL = "gmail_new.eml"  # a new customer's first mail: it opens a request


def _cli(
    env: dict[str, str], files: list[Path], options: tuple[str, ...] = ()
) -> tuple[float, float, str]:
    """Wall and CPU seconds of `servicedesk mail ingest --json FILES`, and its output."""
    # What the `servicedesk` console script runs.
    command = [sys.executable, "-c", "from servicedesk.entry import main; main()"]
    command += ["mail", "ingest", "--json", *options]
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [*command, *map(str, files)], env=env, capture_output=True, check=True, timeout=600
    )
    wall = time.perf_counter() - started
    return wall, _children_cpu() - cpu_before, done.stdout.decode()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_throughput(
    raws: list[bytes], copies: int = 1, options: tuple[str, ...] = ()
) -> dict[str, Any]:
    """`servicedesk mail ingest --json` over the set `copies` times over, on a fresh instance.

    Each later copy is a new set with its own Message-IDs and senders
    (`bench.email_corpus.repeated_set`), so a copy's outcomes must be the original's
    (`copies_differing` counts the files where one is not). Repeating the set lets the
    work outweigh start-up, the time of the same command over one mail: `mails_per_second`
    leaves it out, `wall_mails_per_second` counts it. On a shared machine the wall rates
    swing with the load; the CPU rate (mails per CPU second of the command, start-up left
    out likewise) is what a quiet machine would approach. With `--parse-workers 1` it
    counts the writer process only, the critical path on two cores: the worker is the
    forkserver's child, not ours.
    """
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SERVICEDESK_INSTANCE_DIR": tmp, "SERVICEDESK_SECRET_KEY": "bench"}
        env.pop("SERVICEDESK_DATABASE_URL", None)
        env.pop("SERVICEDESK_REDIS_URL", None)
        files = _write(Path(tmp) / "mail", repeated_set(raws, copies))
        _cli(env, [FIXTURES / "auto_reply_oof.eml"])  # creates and migrates the database
        # Start-up is one mail that opens a request: the code a new request loads on first
        # use (routing, language models, the knowledge base for suggestions) is paid once
        # per command, like the imports. (Until 2026-11-29 an ignored mail was used, and
        # that one-off cost was counted in the rate.)
        startup, startup_cpu, _ = _cli(env, [FIXTURES / STARTUP_MAIL])
        total, cpu, out = _cli(env, files, options)
    decided = [_decision(json.loads(line)) for line in out.splitlines()]
    chosen = dict(zip(options[::2], options[1::2], strict=True)).get("--parse-workers")
    outcomes: dict[str, int] = {}
    for outcome, _reason in decided[: len(raws)]:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {
        "mails": len(files),
        "copies": copies,
        "parse_workers": int(chosen) if chosen else default_parse_workers(len(files)),
        "seconds": round(total, 2),
        "startup_seconds": round(startup, 2),
        # None when start-up swung more than the work took (a busy machine).
        "mails_per_second": _rate(len(files), total - startup),
        "wall_mails_per_second": _rate(len(files), total),
        "mails_per_cpu_second": _rate(len(files), cpu - startup_cpu),
        "load_average": round(os.getloadavg()[0], 1),
        "outcomes": outcomes,  # of one copy
        "copies_differing": _differing(decided, len(raws)),
    }


def _write(folder: Path, raws: list[bytes]) -> list[Path]:
    folder.mkdir()
    files = [folder / f"{index:05d}.eml" for index in range(len(raws))]
    for path, raw in zip(files, raws, strict=True):
        path.write_bytes(raw)
    return files


_COPY_MARKS = re.compile(r"\bb\d+\.|@c\d+\.")


def _decision(line: dict[str, Any]) -> tuple[str, str]:
    """A file's outcome and reason, the copy's id and sender prefixes taken out."""
    return line["outcome"], _COPY_MARKS.sub(
        lambda m: "@" if m[0][0] == "@" else "", line["reason"] or ""
    )


def _differing(decided: list[tuple[str, str]], size: int) -> int:
    """Files of later copies whose outcome or reason is not that of the same original file."""
    return sum(decision != decided[index % size] for index, decision in enumerate(decided))


def _rate(count: int, seconds: float) -> float | None:
    return round(count / seconds, 1) if seconds > 0 else None


def cli_synthetic(copies: int, options: tuple[str, ...] = ()) -> dict[str, Any]:
    """`cli_throughput` over the small test fixtures, each copy a new mail."""
    raws = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]
    return cli_throughput(distinct_copies(raws, copies), options=options)
