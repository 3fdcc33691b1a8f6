"""The application factory: the one composition root for the web process."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from servicedesk.config import Config
from servicedesk.container import Container
from servicedesk.current import EXTENSION_KEY
from servicedesk.desk.display import neutralise_bidi
from servicedesk.desk.routing.language import language_detector
from servicedesk.extensions import csrf, limiter, login_manager, socketio
from servicedesk.paths import STATIC, TEMPLATES
from servicedesk.realtime.notifier import SocketIONotifier
from servicedesk.serving import async_mode

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
    app.after_request(_security_headers)
    if config.hsts_seconds:
        app.after_request(_strict_transport(config.hsts_seconds))
    # Subjects and file names come from customers: `|bidi_safe` drops reordering controls.
    app.add_template_filter(neutralise_bidi, "bidi_safe")
    app.context_processor(lambda: {"nav_links": _navigation(app)})
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
    from servicedesk.web.crm import crm
    from servicedesk.web.sales import sales

    app.register_blueprint(crm)
    app.register_blueprint(sales)
    from servicedesk.web.lead_forms import lead_forms

    app.register_blueprint(lead_forms)
    from servicedesk.web.hooks.slack import slack, slack_admin

    app.register_blueprint(slack)
    app.register_blueprint(slack_admin)
    from servicedesk.web.reports import reports
    from servicedesk.web.sla import sla

    app.register_blueprint(sla)
    app.register_blueprint(reports)
    from servicedesk.web.marketing import marketing

    app.register_blueprint(marketing)


NAVIGATION: tuple[tuple[str, str, str | tuple[str, ...] | None], ...] = (
    # endpoint, label, role (or any of several roles) needed to see the link
    # Support first, then the CRM, sales and marketing, then reports and admin tools.
    ("console.inbox", "Inbox", None),
    ("kb.index", "Knowledge base", None),
    ("portal.search", "Help centre", None),
    ("crm.customers", "Customers", None),
    ("crm.duplicates", "Duplicates", None),
    ("sales.leads", "Leads", ("sales", "marketing", "admin")),
    ("sales.board", "Deals", None),
    ("marketing.index", "Marketing", ("marketing", "admin")),
    ("marketing.resources", "Resources", None),  # the library: every console role reads it
    ("reports.service", "Reports", None),
    ("console.satisfaction", "Satisfaction", None),
    ("router.index", "Routing", None),
    ("sla.index", "SLA & automation", None),
    ("mail.mailboxes", "Email", "admin"),
    ("slack_admin.users", "Slack", "admin"),
    ("crm.roles", "Roles", "admin"),
    ("crm.audit_log", "Audit log", "admin"),
)


def _navigation(app: Flask) -> list[tuple[str, str]]:
    """The console's top links: the pages this app has that the signed-in agent may use."""
    from flask_login import current_user

    def allowed(role: str | tuple[str, ...] | None) -> bool:
        if role is None:
            return True
        roles = (role,) if isinstance(role, str) else role
        return bool(current_user.is_authenticated and any(map(current_user.has_role, roles)))

    return [
        (endpoint, label)
        for endpoint, label, role in NAVIGATION
        if endpoint in app.view_functions and allowed(role)
    ]


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _strict_transport(seconds: int) -> Callable[[Response], Response]:
    """HSTS (RFC 6797): browsers that saw the desk over HTTPS never try plain HTTP again."""
    value = f"max-age={seconds}; includeSubDomains"

    def add_header(response: Response) -> Response:
        response.headers.setdefault("Strict-Transport-Security", value)
        return response

    return add_header
