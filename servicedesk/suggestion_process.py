"""One child process that reads and searches for chat suggestions, beside the web process.

Under gevent the suggestion work (torch encoding, whoosh, NumPy) holds the GIL for long
stretches even on a native thread, and every socket of the process waits meanwhile. The
child has a GIL of its own: the parent sends it request ids over a pipe and gets back
what `search_for_requests` found; the parent still writes the results (it stays the only
SQLite writer) and emits the events. The child builds its own knowledge base from the
config once (no sockets, no lane), is started on first use, reused, and exits when the parent
goes (its request pipe closes). A crashed child is restarted on the next call, which retries.

Frames on the two pipes (their own fds, not stdio) are a 4-byte length and a pickle;
both ends are this module, so the pickles are ours.
"""

from __future__ import annotations

import logging
import os
import pickle
import struct
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from servicedesk.config import Config

log = logging.getLogger(__name__)

# What the child may run: each is called with the child's uow factory and knowledge base.
REMOTE_WORK = frozenset({"servicedesk.desk.suggestions.search_for_requests"})
_HEADER = struct.Struct("!I")


@dataclass
class CpuMeter:
    """CPU seconds some work spent away from the event loop (benchmarks read it)."""

    seconds: float = 0.0


CHILD_CPU = CpuMeter()  # what the child spent on jobs


class ChildDied(RuntimeError):
    """The child went away mid-exchange (crashed or killed)."""


class StartFailed(RuntimeError):
    """The child could not be started or built its container wrong."""


class ChildHung(RuntimeError):
    """The child gave no answer within the call's time-out; it was killed."""


# The child runs at a lower CPU priority than the web process: on a busy machine the
# sockets that deliver messages come first, and suggestions wait (they coalesce meanwhile).
CHILD_NICENESS = 10

# A search batch takes tens of milliseconds (seconds on a loaded machine; the model is
# loaded before the child is ready): a child silent this long is stuck, and the lane
# would wait on it forever.
CALL_TIMEOUT = 60.0


def work_name(work: Any) -> str:
    return f"{getattr(work, '__module__', '')}.{getattr(work, '__qualname__', '')}"


class SuggestionProcess:
    """The parent's handle on the child: `call` runs one job there.

    `blocking(fn, *args)` runs the pipe reads and writes: under gevent the lane's native
    thread, where a blocked read releases the GIL; by default the caller itself. The pipes
    are our own blocking fds (gevent's subprocess makes its pipes non-blocking).
    """

    def __init__(
        self,
        config: Config,
        blocking: Callable[..., Any] | None = None,
        timeout: float = CALL_TIMEOUT,
    ) -> None:
        self.config, self.timeout = config, timeout
        self._blocking = blocking or (lambda fn, *args: fn(*args))
        self._child: subprocess.Popen[bytes] | None = None
        self._to_child = self._from_child = -1

    def call(self, work: Any, *args: Any) -> Any:
        """`work(uow, knowledge, *args)` in the child; one retry on a fresh child if it died.

        A child that answers nothing within `timeout` seconds is killed and `ChildHung`
        raised (no retry: the same job would likely hang again); the next call starts a
        fresh child.
        """
        for attempt in (1, 2):
            if self._child is None or self._child.poll() is not None:
                self.stop()
                try:
                    self._spawn()
                except OSError as exc:
                    raise StartFailed(str(exc)) from exc
                self._blocking(self._await_ready)
            try:
                return self._blocking(self._exchange, (work_name(work), args))
            except ChildHung:
                log.error("suggestion process gave no answer in %.0f s; killed", self.timeout)
                self.stop()
                raise
            except ChildDied:
                log.warning("suggestion process died (attempt %d); restarting it", attempt)
                self.stop()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _spawn(self) -> None:
        child_in, self._to_child = os.pipe()
        self._from_child, child_out = os.pipe()
        try:
            self._child = subprocess.Popen(  # noqa: S603 - our interpreter, our module
                [sys.executable, "-m", __name__, str(child_in), str(child_out)],
                pass_fds=(child_in, child_out),
                stdin=subprocess.DEVNULL,
            )
        finally:
            os.close(child_in)
            os.close(child_out)

    def _await_ready(self) -> None:
        try:
            _write_frame(self._to_child, self.config)
            reply = _read_frame(self._from_child)  # ("ready",) once it is built
        except (EOFError, OSError) as exc:
            reply = repr(exc)
        if reply != ("ready",):
            self.stop()
            raise StartFailed(f"suggestion process did not start: {reply}")

    def _exchange(self, request: Any) -> Any:
        try:
            _write_frame(self._to_child, request)
            if not _readable_within(self._from_child, self.timeout):
                raise ChildHung(f"no answer in {self.timeout} s")
            ok, value, cpu = _read_frame(self._from_child)
        except (EOFError, OSError) as exc:
            raise ChildDied(str(exc)) from exc
        CHILD_CPU.seconds += cpu
        if not ok:
            raise RuntimeError(f"suggestion process failed:\n{value}")
        return value

    def pid(self) -> int | None:
        return self._child.pid if self._child is not None else None

    def stop(self) -> None:
        """Kill the child and close the pipes (tests, a restart after it died)."""
        child, self._child = self._child, None
        if child is not None:
            child.kill()
            child.wait()
        for fd in (self._to_child, self._from_child):
            if fd >= 0:
                os.close(fd)
        self._to_child = self._from_child = -1


def _readable_within(fd: int, timeout: float) -> bool:
    """Whether `fd` has something to read (or its writer closed) within `timeout` seconds.

    poll, not select: a web process holds a socket per client, so our pipe's number is
    often above select's limit of 1024. The operating system's poll also under gevent:
    this runs on the lane's native thread, where gevent's would want a hub of its own.
    """
    import select

    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None and monkey.is_module_patched("select"):
        poller = monkey.get_original("select", "poll")()
    else:
        poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(timeout * 1000))


def _write_frame(fd: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError("pipe closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _read_frame(fd: int) -> Any:
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    return pickle.loads(_read_exactly(fd, size))  # noqa: S301 - written by this module


def _serve(requests: int, replies: int) -> None:
    """The child's loop: build once, then answer requests until the parent's end closes."""
    os.nice(CHILD_NICENESS)
    config = _read_frame(requests)
    uow, knowledge = _collaborators(config)
    _write_frame(replies, ("ready",))
    while True:
        try:
            name, args = _read_frame(requests)
        except EOFError:
            return  # the parent is gone
        started = time.process_time()
        try:
            if name not in REMOTE_WORK:
                raise ValueError(f"not a remote job: {name}")
            module, _, function = name.rpartition(".")
            value = getattr(import_module(module), function)(uow, knowledge, *args)
            ok = True
        except Exception:
            ok, value = False, traceback.format_exc()
        try:
            _write_frame(replies, (ok, value, time.process_time() - started))
        except BrokenPipeError:
            return  # the parent is gone


def _collaborators(config: Config) -> tuple[Callable[[], Any], Any]:
    """A read-only unit of work factory and the knowledge base, as the container makes them
    (publishing nothing: the child never writes)."""
    from functools import partial

    from crm_core.db import UnitOfWork, make_engine, make_session_factory
    from knowledge.embedding import query_encoder_for, shared_embedder
    from knowledge.service import KnowledgeBase

    sessions = make_session_factory(make_engine(config.database_url))
    # The child only searches: the float model (what the passages were stored with) is
    # never loaded here; questions go through its int8 copy (about 2.5x less CPU each).
    stored = shared_embedder(config.model_path)
    queries = query_encoder_for(stored)
    # The model loads before the child says it is ready, so a call's time-out measures a
    # search, never a model load (many seconds on a busy machine).
    queries.encode(["warm-up"])
    knowledge = KnowledgeBase(sessions, config.whoosh_dir, stored, query_embedder=queries)
    return partial(UnitOfWork, sessions), knowledge


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)
    _serve(int(sys.argv[1]), int(sys.argv[2]))
