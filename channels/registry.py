"""Adapters are looked up by channel name in a plain dict, filled by the composition root."""

from __future__ import annotations

from channels.base import ChannelAdapter


class UnknownChannel(LookupError):
    """No adapter is registered under that channel name."""


class AdapterRegistry:
    """A name → adapter mapping; registering a name twice is an error."""

    def __init__(self) -> None:
        self._adapters: dict[str, ChannelAdapter] = {}

    def register(self, adapter: ChannelAdapter) -> None:
        if adapter.name in self._adapters:
            raise ValueError(f"channel {adapter.name!r} is already registered")
        self._adapters[adapter.name] = adapter

    def get(self, name: str) -> ChannelAdapter:
        try:
            return self._adapters[name]
        except KeyError:
            raise UnknownChannel(name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._adapters
