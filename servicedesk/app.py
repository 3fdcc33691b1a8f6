"""The application factory: the one composition root for the web process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.middleware.proxy_fix import ProxyFix

from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.current import EXTENSION_KEY
from servicedesk.desk.display import neutralise_bidi
from servicedesk.desk.models import format_reference
from servicedesk.desk.routing.language import language_detector
from servicedesk.extensions import csrf, limiter, login_manager, socketio
from servicedesk.paths import STATIC, TEMPLATES
from servicedesk.realtime.notifier import SocketIONotifier
from servicedesk.serving import async_mode
from servicedesk.web.navigation import navigation_for

# Inbox updates are merged and sent at most this often (see SocketIONotifier).
INBOX_BATCH_SECONDS = 0.25

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def create_app(config: Config | None = None, container: Container | None = None) -> Flask:
    """Build the web app; with no arguments, configuration comes from the environment."""
    config = config or (container.config if container else Config.from_env())
    container = container or Container.build(config)
    app = Flask(
        __name__,
        template_folder=str(TEMPLATES),
        static_folder=str(STATIC),
        instance_path=str(config.instance_dir),
    )
    app.config.update(_flask_settings(config))
    app.extensions[EXTENSION_KEY] = container
    _init_extensions(app, config, container)
    if config.proxy_hops:
        # Behind N reverse proxies, trust their X-Forwarded-* headers, so rate limits and
        # logs see the client's address instead of the proxy's. Wrapped outside Socket.IO's
        # middleware, so the chat's per-address limits see it too.
        hops = config.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    _register_blueprints(app)
    app.register_error_handler(413, _too_large(config.attachment_max_bytes))
    app.after_request(_security_headers)
    if config.hsts_seconds:
        app.after_request(_strict_transport(config.hsts_seconds))
    # Subjects and file names come from customers: `|bidi_safe` drops reordering controls.
    app.add_template_filter(neutralise_bidi, "bidi_safe")
    app.add_template_filter(format_reference, "reference")  # a request id as SR-1042
    app.context_processor(lambda: {"nav_groups": navigation_for(app)})
    # Routing's language models load in one call that holds the GIL for seconds: while the
    # web process starts, not on its first customer's message while every socket waits.
    language_detector()
    return app


def _flask_settings(config: Config) -> dict[str, Any]:
    return {
        "SECRET_KEY": config.secret_key,
        "TESTING": config.testing,
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=config.session_minutes),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": config.secure_cookies,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "REMEMBER_COOKIE_DURATION": timedelta(minutes=config.session_minutes),
        "MAX_CONTENT_LENGTH": config.attachment_max_bytes + 1024 * 1024,
        "RATELIMIT_STORAGE_URI": config.redis_url or "memory://",
        "RATELIMIT_ENABLED": not config.testing,
        "WTF_CSRF_TIME_LIMIT": None,
    }


def _init_extensions(app: Flask, config: Config, container: Container) -> None:
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    socketio.init_app(
        app,
        async_mode=async_mode(),
        message_queue=config.redis_url,
        cors_allowed_origins=[config.base_url, *config.widget_origins],
    )
    container.notifier = SocketIONotifier(socketio, batch_seconds=INBOX_BATCH_SECONDS)
    from servicedesk.sockets.setup import init_sockets

    init_sockets(socketio, container)


def _register_blueprints(app: Flask) -> None:
    from servicedesk.web import auth, health
    from servicedesk.web.console import console
    from servicedesk.web.kb import kb
    from servicedesk.web.mail import mail
    from servicedesk.web.portal import portal

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(console)
    app.register_blueprint(kb)
    app.register_blueprint(mail)
    app.register_blueprint(portal)
    from servicedesk.web.router import router as routing_pages

    app.register_blueprint(routing_pages)
    from servicedesk.web.widget import widget

    app.register_blueprint(widget)
    _register_business_blueprints(app)
    from servicedesk.web.hooks.slack import slack, slack_admin

    app.register_blueprint(slack)
    app.register_blueprint(slack_admin)
    from servicedesk.web.reports import reports
    from servicedesk.web.sla import sla

    app.register_blueprint(sla)
    app.register_blueprint(reports)


def _register_business_blueprints(app: Flask) -> None:
    """The CRM's, sales', marketing's and the service contracts' pages."""
    from servicedesk.web.contracts import contracts
    from servicedesk.web.crm import crm
    from servicedesk.web.lead_forms import lead_forms
    from servicedesk.web.marketing import marketing
    from servicedesk.web.sales import sales

    app.register_blueprint(crm)
    app.register_blueprint(sales)
    app.register_blueprint(lead_forms)
    app.register_blueprint(marketing)
    app.register_blueprint(contracts)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _too_large(max_bytes: int) -> Callable[[Exception], ResponseReturnValue]:
    """A request over the size limit: a page that names the file field and the limit (the
    body was never read, so the form it came from cannot be shown again)."""
    mib = 1024 * 1024
    limit = f"{max_bytes / mib:.0f} MB" if max_bytes >= mib else f"{max_bytes // 1024} KB"
    message = f"file: larger than the limit of {limit}"

    def page(_error: Exception) -> ResponseReturnValue:
        if request.accept_mimetypes.best == "application/json":
            return {"error": message}, 413
        return render_template("too_large.html", message=message), 413

    return page


def _strict_transport(seconds: int) -> Callable[[Response], Response]:
    """HSTS (RFC 6797): browsers that saw the desk over HTTPS never try plain HTTP again."""
    value = f"max-age={seconds}; includeSubDomains"

    def add_header(response: Response) -> Response:
        response.headers.setdefault("Strict-Transport-Security", value)
        return response

    return add_header
