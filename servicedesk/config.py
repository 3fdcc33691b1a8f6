"""Every setting the application reads, from environment variables prefixed `SERVICEDESK_`.

This is the only module that reads the environment. A bad value fails at start with the
variable's name, so a typo never turns into a mysterious runtime error.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from crm_core.lifecycle import LifecycleRules

PREFIX = "SERVICEDESK_"
# SERVICEDESK_LIFECYCLE_* settings and their defaults (whole days, orders, currency units).
LIFECYCLE = {
    "lifecycle_returning_window_days": 180,
    "lifecycle_loyal_min_orders": 3,
    "lifecycle_loyal_min_revenue": 5000,
    "lifecycle_loyal_period_days": 365,
    "lifecycle_churn_after_days": 365,
}
DEFAULT_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Config:
    """Validated settings; build with `Config.from_env()` or directly in tests."""

    instance_dir: Path
    database_url: str
    secret_key: str
    redis_url: str | None = None
    model_path: str | None = None
    attachment_max_bytes: int = 25 * 1024 * 1024
    attachment_max_count: int = 50
    session_minutes: int = 12 * 60
    # A session ends this long after sign-in however active it is (the idle limit is above).
    session_absolute_minutes: int = 12 * 60
    mail_imap_url: str | None = None
    mail_smtp_url: str | None = None
    mail_from: str | None = None
    widget_origins: tuple[str, ...] = ()
    base_url: str = DEFAULT_BASE_URL
    # Whether SERVICEDESK_BASE_URL named it; otherwise `serve` and `demo` derive it.
    base_url_given: bool = False
    secure_cookies: bool = False
    # Strict-Transport-Security max-age; 0 sends none. Defaults to a year behind HTTPS.
    hsts_seconds: int = 0
    proxy_hops: int = 0
    testing: bool = False
    # CRM: where phone numbers written without a country code are (ISO 3166, e.g. "DE"),
    # and how to read a numeric date such as 03/04/2024 ("dmy" or "mdy"); unset, such
    # numbers and dates are rejected rather than guessed.
    crm_phone_region: str | None = None
    # The help centre: how long after solving a customer may reopen a request themselves.
    portal_reopen_days: int = 7
    # Satisfaction: "good_bad" (good or bad) or "one_to_five", for every channel.
    rating_scale: str = "good_bad"
    crm_date_order: str | None = None
    # Lifecycle stages (crm_core.lifecycle): a repeat order within this many days makes a
    # customer "returning"; so many orders or this much revenue in the period "loyal"; no
    # order and no activity for so long "churned".
    lifecycle_returning_window_days: int = 180
    lifecycle_loyal_min_orders: int = 3
    lifecycle_loyal_min_revenue: int = 5000
    lifecycle_loyal_period_days: int = 365
    lifecycle_churn_after_days: int = 365
    # Campaign mail: at most this many mails a second per worker (0: no limit), and the
    # From address (the support address, MAIL_FROM, when unset; replies go there).
    marketing_rate: int = 20
    marketing_from: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def whoosh_dir(self) -> Path:
        return self.instance_dir / "whoosh"

    @property
    def attachment_dir(self) -> Path:
        return self.instance_dir / "attachments"

    @property
    def models_dir(self) -> Path:
        return self.instance_dir / "models"

    def lifecycle_rules(self) -> LifecycleRules:
        """The lifecycle thresholds as crm_core's rules."""
        from crm_core.lifecycle import LifecycleRules

        return LifecycleRules(
            returning_window_days=self.lifecycle_returning_window_days,
            loyal_min_orders=self.lifecycle_loyal_min_orders,
            loyal_min_revenue=Decimal(self.lifecycle_loyal_min_revenue),
            loyal_period_days=self.lifecycle_loyal_period_days,
            churn_after_days=self.lifecycle_churn_after_days,
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Config:
        """Read and validate the environment; `overrides` win (used by tests)."""
        env = os.environ if environ is None else environ
        reader = _Reader(env)
        instance_dir = Path(reader.text("INSTANCE_DIR") or "instance").resolve()
        values: dict[str, object] = {
            "instance_dir": instance_dir,
            "database_url": reader.url("DATABASE_URL", ("sqlite", "postgresql"))
            or f"sqlite:///{instance_dir / 'servicedesk.db'}",
            "redis_url": reader.url("REDIS_URL", ("redis", "rediss", "unix")),
            "model_path": reader.text("MODEL_PATH"),
            "attachment_max_bytes": reader.integer("ATTACHMENT_MAX_BYTES", 25 * 1024 * 1024),
            "attachment_max_count": reader.integer("ATTACHMENT_MAX_COUNT", 50),
            "session_minutes": reader.integer("SESSION_MINUTES", 12 * 60),
            "session_absolute_minutes": reader.integer("SESSION_ABSOLUTE_MINUTES", 12 * 60),
            "portal_reopen_days": reader.integer("PORTAL_REOPEN_DAYS", 7),
            "rating_scale": reader.choice("RATING_SCALE", ("good_bad", "one_to_five"))
            or "good_bad",
            "mail_imap_url": reader.url("MAIL_IMAP_URL", ("imap", "imaps")),
            "mail_smtp_url": reader.url("MAIL_SMTP_URL", ("smtp", "smtps")),
            "mail_from": reader.email("MAIL_FROM"),
            "widget_origins": reader.words("WIDGET_ORIGINS"),
            "base_url": reader.url("BASE_URL", ("http", "https")) or DEFAULT_BASE_URL,
            "base_url_given": reader.text("BASE_URL") is not None,
            "secure_cookies": reader.flag("SECURE_COOKIES"),
            "proxy_hops": reader.integer("PROXY_HOPS", 0, minimum=0),
            "crm_phone_region": reader.region("CRM_PHONE_REGION"),
            "crm_date_order": reader.choice("CRM_DATE_ORDER", ("dmy", "mdy")),
            "marketing_rate": reader.integer("MARKETING_RATE", 20, minimum=0),
            "marketing_from": reader.email("MARKETING_FROM"),
            **{name: reader.integer(name.upper(), default) for name, default in LIFECYCLE.items()},
        }
        values["hsts_seconds"] = reader.integer("HSTS_SECONDS", _default_hsts(values), minimum=0)
        values.update(overrides)
        secret = reader.text("SECRET_KEY") or overrides.get("secret_key")
        values["secret_key"] = secret or _stored_secret(Path(str(values["instance_dir"])))
        return cls(**values)  # type: ignore[arg-type]

    def served_at(self, host: str, port: int) -> Config:
        """These settings for a server on host:port: the base URL follows unless it was set.

        Browsers send the page's origin with every socket handshake, and the desk only
        accepts its own (`base_url`), so a base URL naming another port breaks live pages.
        A wildcard host says nothing about the name browsers use: 127.0.0.1 stands in.
        """
        if self.base_url_given:
            return self
        name = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host  # noqa: S104
        name = f"[{name}]" if ":" in name else name
        return replace(self, base_url=f"http://{name}:{port}")


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def text(self, name: str) -> str | None:
        value = self._env.get(PREFIX + name, "").strip()
        return value or None

    def _checked(self, name: str, check: Callable[[str], bool], expected: str) -> str | None:
        value = self.text(name)
        if value is not None and not check(value):
            raise ConfigError(f"{PREFIX}{name}: expected {expected}, got {value!r}")
        return value

    def url(self, name: str, schemes: tuple[str, ...]) -> str | None:
        def ok(value: str) -> bool:
            parts = urlsplit(value)
            return parts.scheme.split("+")[0] in schemes and bool(parts.netloc or parts.path)

        return self._checked(name, ok, f"a URL with scheme {' or '.join(schemes)}")

    def integer(self, name: str, default: int, minimum: int = 1) -> int:
        expected = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        value = self._checked(name, lambda v: v.isdigit() and int(v) >= minimum, expected)
        return int(value) if value else default

    def flag(self, name: str) -> bool:
        ok = {"1", "0", "true", "false", "yes", "no"}
        value = self._checked(name, lambda v: v.lower() in ok, "one of " + ", ".join(sorted(ok)))
        return value is not None and value.lower() in {"1", "true", "yes"}

    def email(self, name: str) -> str | None:
        return self._checked(name, lambda v: v.count("@") == 1 and "." in v, "an email address")

    def region(self, name: str) -> str | None:
        value = self._checked(
            name, lambda v: len(v) == 2 and v.isalpha(), "a two-letter country code"
        )
        return value.upper() if value else None

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self._checked(name, lambda v: v.lower() in choices, " or ".join(choices))
        return value.lower() if value else None

    def words(self, name: str) -> tuple[str, ...]:
        value = self.text(name)
        return tuple(part for part in (value or "").replace(",", " ").split() if part)


def _default_hsts(values: Mapping[str, object]) -> int:
    """A year when the settings say the desk is served over HTTPS, else none."""
    https = values["secure_cookies"] or str(values["base_url"]).startswith("https:")
    return 365 * 24 * 3600 if https else 0


def _stored_secret(instance_dir: Path) -> str:
    """A random key kept in the instance dir, so sessions survive a restart."""
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
