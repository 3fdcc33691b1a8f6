"""`GET /healthz`: is the database reachable, and Redis when configured."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

from servicedesk.current import container_of

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    container = container_of()
    checks = {"database": _check_database(container)}
    if container.config.redis_url:
        checks["redis"] = _check_redis(container.config.redis_url)
    healthy = all(state == "ok" for state in checks.values())
    failing = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if healthy else "failing", "checks": checks, "failing": failing}
    return jsonify(body), 200 if healthy else 503


def _check_database(container) -> str:  # type: ignore[no-untyped-def]
    try:
        with container.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _check_redis(url: str) -> str:
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"
