"""The web process's collector policy: survivors of a full collection are frozen, with a thaw."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from servicedesk.serving import SurvivorFreeze


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


@pytest.fixture
def policy() -> Iterator[tuple[SurvivorFreeze, Clock]]:
    clock = Clock()
    freeze = SurvivorFreeze(thaw_every=600, clock=clock)
    gc.unfreeze()
    freeze.install()
    try:
        yield freeze, clock
    finally:
        freeze.uninstall()
        gc.unfreeze()


def _cycle() -> weakref.ref[Node]:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_a_full_collection_freezes_its_survivors(policy: tuple[SurvivorFreeze, Clock]) -> None:
    gc.collect(1)  # a younger collection freezes nothing
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert gc.get_freeze_count() > 0


def test_frozen_garbage_cycles_are_freed_after_the_thaw(
    policy: tuple[SurvivorFreeze, Clock],
) -> None:
    _freeze, clock = policy
    survivor = [_cycle()]
    keep = survivor[0]()
    gc.collect()  # the cycle survives (it is referenced) and is frozen
    del keep
    gc.collect()
    assert survivor[0]() is not None  # garbage now, but frozen: not collected
    clock.now += 600
    gc.collect()  # this collection's end lifts the freeze
    assert gc.get_freeze_count() == 0
    gc.collect()  # and the next walks everything
    assert survivor[0]() is None
    assert gc.get_freeze_count() > 0  # frozen again afterwards
