"""Parsing many mails in a worker process while the caller persists them (2 cores, 1 writer).

SQLite has one writer, so persisting stays in the calling process; parsing is pure CPU
and moves to a worker, so the two overlap. Results come back in input order.
"""

from __future__ import annotations

import copyreg
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
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


def parse_ahead(
    mails: Iterable[tuple[str, bytes]], limits: ParseLimits, workers: int = 1, window: int = 64
) -> Iterator[tuple[str, bytes, ParseResult]]:
    """(source, raw, parsed) in input order; workers parse at most `window` mails ahead.

    The window bounds memory: the writer is the slower side, so unbounded parsing would
    hold every parsed mail of a large run at once. Own-address screening stays with the
    caller (`EmailIntake.screen`), which knows the mailboxes.
    """
    parse = partial(_parse, limits=limits, own_addresses=frozenset())
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["channels.email.parser"])
    pending: deque[tuple[str, bytes, Future[ParseResult]]] = deque()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for source, raw in mails:
            pending.append((source, raw, pool.submit(parse, raw)))
            if len(pending) >= window:
                source, raw, future = pending.popleft()
                yield source, raw, future.result()
        while pending:
            source, raw, future = pending.popleft()
            yield source, raw, future.result()
