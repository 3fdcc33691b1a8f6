"""Parsing many mails in a worker process while the caller persists them (2 cores, 1 writer).

SQLite has one writer, so persisting stays in the calling process; parsing is pure CPU
and moves to a worker, so the two overlap. Results come back in input order.
"""

from __future__ import annotations

import copyreg
import multiprocessing
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from itertools import islice
from types import MappingProxyType
from typing import Any

from channels.base import ParseResult
from channels.email.parser import ParseLimits, parse_mail


def _rebuild_mapping_proxy(items: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(items)


def _reduce_mapping_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _rebuild_mapping_proxy, (dict(proxy),)


# InboundMessage.extra is a read-only mapping, which pickle cannot carry by default.
copyreg.pickle(MappingProxyType, _reduce_mapping_proxy)


def _parse(raw: bytes, limits: ParseLimits, own_addresses: frozenset[str]) -> ParseResult:
    return parse_mail(raw, limits, own_addresses)


def parse_in_background(
    raws: Iterable[bytes],
    limits: ParseLimits,
    own_addresses: frozenset[str] = frozenset(),
    workers: int = 1,
    chunk: int = 8,
) -> Iterator[ParseResult]:
    """Parse results in input order, computed by `workers` processes (forkserver)."""
    # forkserver, not fork: the caller may hold threads and database connections.
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        yield from pool.map(
            partial(_parse, limits=limits, own_addresses=own_addresses), raws, chunksize=chunk
        )


def _parse_many(raws: list[bytes], limits: ParseLimits) -> list[ParseResult]:
    return [parse_mail(raw, limits) for raw in raws]


def _ready() -> None:
    """A task that only says the worker process is up."""


def _start(pool: ProcessPoolExecutor, started: threading.Event) -> None:
    # Starting the forkserver and the worker blocks the submitting thread (~0.3 s); done
    # here, the caller keeps parsing meanwhile. If it fails, the caller parses everything.
    pool.submit(_ready).result()
    started.set()


_Chunk = tuple[list[tuple[str, bytes]], "Future[list[ParseResult]]"]


def parse_ahead(
    mails: Iterable[tuple[str, bytes]],
    limits: ParseLimits,
    workers: int = 1,
    window: int = 128,
    chunk: int = 8,
) -> Iterator[tuple[str, bytes, ParseResult]]:
    """(source, raw, parsed) in input order; workers parse at most `window` mails ahead.

    Mails travel to the workers `chunk` at a time: one message, one future and one wake-up
    of the pool's thread per chunk instead of per mail. The caller never waits for a worker
    that is not parsing its next chunk: until the worker process is up it parses the mails
    itself, and a chunk no worker has started yet (a worker busy with a huge mail) it takes
    back. The window bounds memory: unbounded parsing would hold every parsed mail of a
    large run at once. Own-address screening stays with the caller
    (`EmailIntake.screen`), which knows the mailboxes.
    """
    source_mails = iter(mails)
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["channels.email.parser"])
    pending: deque[_Chunk] = deque()
    started = threading.Event()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        starter = threading.Thread(target=_start, args=(pool, started), daemon=True)
        starter.start()
        while True:
            if started.is_set():
                _submit_ahead(pool, pending, source_mails, limits, window, chunk)
            parsed = _next_chunk(pending, source_mails, limits, chunk)
            if not parsed:
                break
            yield from parsed
        starter.join()


def _submit_ahead(
    pool: ProcessPoolExecutor,
    pending: deque[_Chunk],
    source_mails: Iterator[tuple[str, bytes]],
    limits: ParseLimits,
    window: int,
    chunk: int,
) -> None:
    """Hand the workers chunks until `window` mails are on their way."""
    while len(pending) * chunk < window:
        items = list(islice(source_mails, chunk))
        if not items:
            return
        pending.append((items, pool.submit(_parse_many, [raw for _s, raw in items], limits)))


def _next_chunk(
    pending: deque[_Chunk],
    source_mails: Iterator[tuple[str, bytes]],
    limits: ParseLimits,
    chunk: int,
) -> list[tuple[str, bytes, ParseResult]]:
    """The next chunk parsed, by a worker or here (none up yet, or it has not started it)."""
    if pending:
        items, future = pending.popleft()
        here = not future.done() and future.cancel()
        parsed = _parse_many([raw for _s, raw in items], limits) if here else future.result()
    else:
        items = list(islice(source_mails, chunk))
        parsed = _parse_many([raw for _s, raw in items], limits)
    return [(source, raw, result) for (source, raw), result in zip(items, parsed, strict=True)]
