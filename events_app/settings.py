"""All configuration of the service, read once from ``EVENTS_*`` environment variables.

Every setting has a default that runs the embedded mode (SQLite in ``var/``, invoice-only
payments, mail to the log), so a fresh checkout starts with no configuration at all.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DEFAULT_VAR_DIR = Path("var")


class SettingsError(ValueError):
    """An ``EVENTS_*`` variable holds a value the service cannot use."""


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise SettingsError(f"{name} must be true or false, not {value!r}")


def _pairs(value: str, name: str) -> tuple[tuple[str, str], ...]:
    """``"a=1,b=2"`` -> ``(("a", "1"), ("b", "2"))``."""
    pairs = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        key, sep, val = item.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise SettingsError(f"{name} must look like slug=value,slug=value")
        pairs.append((key.strip(), val.strip()))
    return tuple(pairs)


def _load_or_create_secret(var_dir: Path) -> str:
    """A secret kept in ``var/`` so sessions and signed links survive restarts in embedded mode."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.write_text(secret)
    path.chmod(0o600)
    return secret


@dataclass(frozen=True, slots=True)
class Settings:
    """The service's configuration; see the README for what each field means."""

    database_url: str = f"sqlite+aiosqlite:///{DEFAULT_VAR_DIR}/events.sqlite3"
    secret_key: str = field(default="", repr=False)
    base_url: str = "http://127.0.0.1:8000"
    debug: bool = False
    log_level: str = "INFO"
    log_json: bool = False
    var_dir: Path = DEFAULT_VAR_DIR
    database_pool_size: int = 20
    # How long a request waits for a free database connection before it is told "busy, retry".
    database_pool_timeout_seconds: float = 30.0
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_starttls: bool = True
    mail_from: str = "Events <events@localhost>"
    outbox_interval_seconds: float = 2.0
    # Live updates across processes (check-in dashboard): a Redis URL; empty keeps them in process memory.
    redis_url: str = ""
    # Badge signing keys given by the operator, as (conference slug, base64url raw Ed25519 private key)
    # pairs; a conference not listed gets a key pair generated and stored encrypted under secret_key.
    badge_private_keys: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    # Card payments: no secret key means invoice-only mode (the embedded default).
    stripe_secret_key: str = field(default="", repr=False)
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_api_base: str = "https://api.stripe.com"
    stripe_js_url: str = "https://js.stripe.com/v3/"
    payments_reconcile_interval_seconds: float = 300.0  # 0 turns the in-app reconciliation off
    # How long a scanner waits for the server before it answers from its own copy and queues the scan.
    scanner_deadline_ms: int = 1500

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def cookie_secure(self) -> bool:
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str, default: str) -> str:
            return env.get(f"EVENTS_{name}", default)

        var_dir = Path(get("VAR_DIR", str(DEFAULT_VAR_DIR)))
        default_db = f"sqlite+aiosqlite:///{var_dir}/events.sqlite3"

        def number(name: str, default: str) -> int:
            try:
                return int(get(name, default))
            except ValueError as exc:
                raise SettingsError(f"EVENTS_{name} must be a whole number") from exc

        secret_key = get("SECRET_KEY", "") or _load_or_create_secret(var_dir)
        if len(secret_key) < 32:
            raise SettingsError("EVENTS_SECRET_KEY must be at least 32 characters")
        scanner_deadline_ms = number("SCANNER_DEADLINE_MS", "1500")
        if scanner_deadline_ms <= 0:
            raise SettingsError("EVENTS_SCANNER_DEADLINE_MS must be a positive number of milliseconds")
        card_keys = [get(f"STRIPE_{name}", "") for name in ("SECRET_KEY", "PUBLISHABLE_KEY", "WEBHOOK_SECRET")]
        if card_keys[0] and not all(card_keys):
            raise SettingsError(
                "Card payments need EVENTS_STRIPE_PUBLISHABLE_KEY and EVENTS_STRIPE_WEBHOOK_SECRET "
                "besides EVENTS_STRIPE_SECRET_KEY"
            )
        return cls(
            database_url=get("DATABASE_URL", default_db),
            secret_key=secret_key,
            base_url=get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            debug=_flag(get("DEBUG", "false"), "EVENTS_DEBUG"),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            log_json=_flag(get("LOG_JSON", "false"), "EVENTS_LOG_JSON"),
            var_dir=var_dir,
            database_pool_size=number("DATABASE_POOL_SIZE", "20"),
            database_pool_timeout_seconds=float(number("DATABASE_POOL_TIMEOUT_MS", "30000")) / 1000,
            smtp_host=get("SMTP_HOST", ""),
            smtp_port=number("SMTP_PORT", "587"),
            smtp_username=get("SMTP_USERNAME", ""),
            smtp_password=get("SMTP_PASSWORD", ""),
            smtp_starttls=_flag(get("SMTP_STARTTLS", "true"), "EVENTS_SMTP_STARTTLS"),
            mail_from=get("MAIL_FROM", "Events <events@localhost>"),
            outbox_interval_seconds=float(number("OUTBOX_INTERVAL_MS", "2000")) / 1000,
            redis_url=get("REDIS_URL", ""),
            badge_private_keys=_pairs(get("BADGE_PRIVATE_KEYS", ""), "EVENTS_BADGE_PRIVATE_KEYS"),
            stripe_secret_key=get("STRIPE_SECRET_KEY", ""),
            stripe_publishable_key=get("STRIPE_PUBLISHABLE_KEY", ""),
            stripe_webhook_secret=get("STRIPE_WEBHOOK_SECRET", ""),
            stripe_api_base=get("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/"),
            stripe_js_url=get("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
            payments_reconcile_interval_seconds=float(number("PAYMENTS_RECONCILE_INTERVAL_S", "300")),
            scanner_deadline_ms=scanner_deadline_ms,
        )


@cache
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()
