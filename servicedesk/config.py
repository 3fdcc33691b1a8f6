"""Every setting the application reads, from environment variables prefixed `SERVICEDESK_`.

This is the only module that reads the environment. A bad value fails at start with the
variable's name, so a typo never turns into a mysterious runtime error.
"""

from __future__ import annotations

import base64
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
    # Sales: a new lead must be called, emailed or met within this many hours.
    sales_first_contact_hours: int = 24
    # Retention: redact the solved and closed requests of churned customers this many
    # years after they were last touched (0: keep them).
    retention_closed_request_years: int = 0
    # Slack: both the signing secret and the bot token, or the channel is off. The API URL
    # is Slack's unless a test points it at a stub; channels are the ids whose top-level
    # messages are customer requests (DMs to the app always are).
    slack_signing_secret: str | None = None
    slack_bot_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_channels: tuple[str, ...] = ()
    # How often web processes and workers enqueue the SLA sweep (0: never; cron runs it).
    sla_sweep_seconds: int = 30
    # Field encryption of sensitive CRM data: Fernet keys, newest first (the first
    # encrypts, all decrypt; `servicedesk crm rotate-keys` moves data to the first), and
    # the key of the searchable digests. Unset, both are derived from `secret_key`.
    crm_encryption_keys: tuple[str, ...] = ()
    crm_search_key: str | None = None
    # Campaign mail: at most this many mails a second per worker (0: no limit), and the
    # From address (the support address, MAIL_FROM, when unset; replies go there).
    marketing_rate: int = 20
    marketing_from: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def slack_enabled(self) -> bool:
        """Slack needs both: the secret to check what arrives, the token to answer."""
        return bool(self.slack_signing_secret and self.slack_bot_token)

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

    @property
    def lead_model_dir(self) -> Path:
        """The leads' learned conversion model, beside the router's."""
        return self.models_dir / "leads"

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
            **_feature_settings(reader),
        }
        values["hsts_seconds"] = reader.integer("HSTS_SECONDS", _default_hsts(values), minimum=0)
        values.update(overrides)
        _check_pair(values, "slack_signing_secret", "slack_bot_token")
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

    def fernet_keys(self, name: str) -> tuple[str, ...]:
        """Comma-separated Fernet keys (32 bytes, urlsafe base64), newest first."""
        keys = tuple(k.strip() for k in (self.text(name) or "").split(",") if k.strip())
        for key in keys:
            try:
                ok = len(base64.urlsafe_b64decode(key.encode("ascii"))) == 32
            except (ValueError, UnicodeError):
                ok = False
            if not ok:
                raise ConfigError(
                    f"{PREFIX}{name}: expected comma-separated Fernet keys "
                    "(cryptography.fernet.Fernet.generate_key()), one is not"
                )
        return keys

    def long_secret(self, name: str) -> str | None:
        return self._checked(name, lambda v: len(v) >= 32, "a secret of 32 characters or more")

    def words(self, name: str) -> tuple[str, ...]:
        value = self.text(name)
        return tuple(part for part in (value or "").replace(",", " ").split() if part)


def _check_pair(values: Mapping[str, object], first: str, second: str) -> None:
    """Settings that only work together: one without the other is a mistake, named."""
    if bool(values.get(first)) != bool(values.get(second)):
        missing = second if values.get(first) else first
        given = first if missing == second else second
        raise ConfigError(f"{PREFIX}{missing.upper()}: required with {PREFIX}{given.upper()}")


def _feature_settings(reader: _Reader) -> dict[str, object]:
    """The settings of the help centre, mail, CRM, sales, privacy, Slack and SLA work."""
    return {
        "portal_reopen_days": reader.integer("PORTAL_REOPEN_DAYS", 7),
        "rating_scale": reader.choice("RATING_SCALE", ("good_bad", "one_to_five")) or "good_bad",
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
        "sales_first_contact_hours": reader.integer("SALES_FIRST_CONTACT_HOURS", 24),
        "retention_closed_request_years": reader.integer(
            "RETENTION_CLOSED_REQUEST_YEARS", 0, minimum=0
        ),
        "slack_signing_secret": reader.text("SLACK_SIGNING_SECRET"),
        "slack_bot_token": reader.text("SLACK_BOT_TOKEN"),
        "slack_api_url": reader.url("SLACK_API_URL", ("http", "https")) or "https://slack.com/api/",
        "slack_channels": reader.words("SLACK_CHANNELS"),
        "sla_sweep_seconds": reader.integer("SLA_SWEEP_SECONDS", 30, minimum=0),
        "crm_encryption_keys": reader.fernet_keys("CRM_ENCRYPTION_KEYS"),
        "crm_search_key": reader.long_secret("CRM_SEARCH_KEY"),
    }


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
