"""The suggestion child's answer is awaited with poll: a web process's pipe numbers pass 1024."""

from __future__ import annotations

import os
import resource
from collections.abc import Iterator

import pytest

from servicedesk.suggestion_process import _readable_within


@pytest.fixture
def high_pipe() -> Iterator[tuple[int, int]]:
    """A pipe whose numbers are above 1024, as beside 500 client sockets."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 1200:
        pytest.skip("the open-file limit is below 1200")
    filler = [os.open(os.devnull, os.O_RDONLY) for _ in range(1100)]
    read, write = os.pipe()
    try:
        assert read > 1024
        yield read, write
    finally:
        for fd in [*filler, read, write]:
            os.close(fd)


def test_waits_on_a_pipe_numbered_above_1024(high_pipe: tuple[int, int]) -> None:
    read, write = high_pipe

    assert _readable_within(read, 0.05) is False
    os.write(write, b"x")
    assert _readable_within(read, 0.05) is True
