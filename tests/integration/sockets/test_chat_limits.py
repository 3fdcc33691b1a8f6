"""Chat allowances per visitor and per address, shared through Redis between processes."""

from __future__ import annotations

import json
from dataclasses import replace

import requests

from servicedesk.app import create_app
from servicedesk.container import Container
from servicedesk.sockets.throttle import ALLOWANCES, ChatAction, ChatLimits
from tests.integration.sockets.conftest import CHAT_ORIGIN
from tests.integration.sockets.live import LiveServer


def test_per_address_allowance_holds_across_visitors() -> None:
    limits = ChatLimits(None)
    ceiling = ALLOWANCES[ChatAction.NEW_VISITOR].per_address
    assert ceiling is not None
    allowed = [
        limits.allow(ChatAction.NEW_VISITOR, None, "203.0.113.7") for _ in range(ceiling.amount)
    ]
    assert all(allowed)
    assert not limits.allow(ChatAction.NEW_VISITOR, None, "203.0.113.7")
    assert limits.allow(ChatAction.NEW_VISITOR, None, "203.0.113.8")  # another address


def test_typing_is_limited_per_visitor() -> None:
    limits = ChatLimits(None, per_address=False)
    per_visitor = ALLOWANCES[ChatAction.TYPING].per_visitor
    assert per_visitor is not None
    spent = [limits.allow(ChatAction.TYPING, "v-1", "::1") for _ in range(per_visitor.amount + 1)]
    assert spent[-1] is False and all(spent[:-1])
    assert limits.allow(ChatAction.TYPING, "v-2", "::1")


def test_two_processes_share_one_allowance_through_redis(redis_url: str) -> None:
    first, second = ChatLimits(redis_url), ChatLimits(redis_url)  # as two web processes
    per_visitor = ALLOWANCES[ChatAction.WRITE].per_visitor
    assert per_visitor is not None
    half = per_visitor.amount // 2
    assert all(first.allow(ChatAction.WRITE, "v-1", "198.51.100.1") for _ in range(half))
    rest = per_visitor.amount - half
    assert all(second.allow(ChatAction.WRITE, "v-1", "198.51.100.2") for _ in range(rest))
    assert not first.allow(ChatAction.WRITE, "v-1", "198.51.100.1")
    assert not second.allow(ChatAction.WRITE, "v-1", "198.51.100.3")


def polling_connect(url: str, forwarded_for: str) -> bool:
    """Open `/chat` over Engine.IO long-polling as a widget behind a proxy would; True when
    the namespace accepted. (Raw polling: a client's orderly disconnect waits a ping.)"""
    http = requests.Session()
    http.headers.update({"Origin": CHAT_ORIGIN, "X-Forwarded-For": forwarded_for})
    endpoint = f"{url}/socket.io/?EIO=4&transport=polling"
    opened = http.get(endpoint, timeout=5).text
    sid = json.loads(opened[opened.index("{") :])["sid"]
    http.post(f"{endpoint}&sid={sid}", data="40/chat,{}", timeout=5)
    answer = http.get(f"{endpoint}&sid={sid}", timeout=5).text
    return "40/chat," in answer


def test_new_visitors_are_limited_per_client_address_behind_a_proxy(
    container: Container,
) -> None:
    config = replace(container.config, testing=False, proxy_hops=1)
    server = LiveServer(create_app(container=replace(container, config=config))).start()
    try:
        ceiling = ALLOWANCES[ChatAction.NEW_VISITOR].per_address
        assert ceiling is not None
        accepted = [polling_connect(server.url, "203.0.113.9") for _ in range(ceiling.amount)]
        assert all(accepted)
        assert not polling_connect(server.url, "203.0.113.9")
        assert polling_connect(server.url, "203.0.113.10")  # someone else behind the proxy
    finally:
        server.stop()
