"""Configuration read from the environment, with a testing variant."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _database_url(url: str) -> str:
    """Return a SQLAlchemy URL, pointing plain PostgreSQL URLs at the psycopg 3 driver."""
    # Hosting platforms hand out postgres:// or postgresql:// URLs; we ship psycopg 3 only.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_secret_key(instance_path: str) -> str:
    """Return SECRET_KEY from the environment, else from instance/secret_key, creating it once."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written owner-only: anyone who reads it can forge sessions.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Settings for a running installation; every value can be overridden by the environment."""

    SQLALCHEMY_DATABASE_URI: str | None = None  # filled in by create_app (instance path)
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # How long a SQLite write (a vote) waits for another one to finish before it fails with
    # "database is locked". Python's sqlite3 waits 5 s; importing 100,000 wishes holds the write
    # lock for about 10 s (bench_import's file, 2026-12-08).
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("WISHLIST_SQLITE_BUSY_TIMEOUT_MS", "15000"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Uploads (CSV imports) larger than this are refused before they are read.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    CURRENCY = os.environ.get("WISHLIST_CURRENCY", "USD")
    # The company running this forum, as customers read it in "added by the Ledgerly team for
    # a customer"; empty says "our team".
    VENDOR_NAME = os.environ.get("WISHLIST_VENDOR_NAME", "").strip()
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session; forms left open still submit
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = os.environ.get("RATELIMIT_ENABLED", "1") == "1"
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("WISHLIST_LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    # Each resend queues an email, so it is stricter than sign-in.
    RESEND_RATE_LIMIT = os.environ.get("WISHLIST_RESEND_RATE_LIMIT", "3 per minute;10 per hour")
    POST_RATE_LIMIT = os.environ.get("WISHLIST_POST_RATE_LIMIT", "30 per minute;300 per hour")
    WISHES_PER_PAGE = int(os.environ.get("WISHLIST_WISHES_PER_PAGE", "20"))
    TRENDING_DAYS = int(os.environ.get("WISHLIST_TRENDING_DAYS", "14"))
    # Score the ranking in the background after a worker's first request (see services/backlog).
    WARM_RANKING = os.environ.get("WISHLIST_WARM_RANKING", "1") == "1"
    # Seconds a worker reuses the trending order it worked out (0: every request).
    TRENDING_CACHE_SECONDS = float(os.environ.get("WISHLIST_TRENDING_CACHE_SECONDS", "30"))
    SIGNUP_ENABLED = os.environ.get("WISHLIST_SIGNUP", "1") == "1"
    PASSWORD_HASH_METHOD = "scrypt"
    # Similarity at which the duplicate finder suggests a bundle (None: the calibrated default).
    DEDUPE_THRESHOLD = (
        float(os.environ["WISHLIST_DEDUPE_THRESHOLD"])
        if os.environ.get("WISHLIST_DEDUPE_THRESHOLD")
        else None
    )
    # Below this many wishes the index is refitted when wishes arrive instead of extended.
    DEDUPE_REFIT_BELOW = int(os.environ.get("WISHLIST_DEDUPE_REFIT_BELOW", "3000"))
    # The sentence-embedding model for semantic matching: empty means the built-in
    # all-MiniLM-L6-v2 (when the optional semantic extra is installed), "off" means lexical
    # only, anything else is a sentence-transformers model name or path (see dedupe/embedding).
    EMBEDDING_MODEL = os.environ.get("WISHLIST_EMBEDDING_MODEL", "")
    # Suggestions while typing leave out wishes less similar than this.
    SIMILAR_MIN_SCORE = float(os.environ.get("WISHLIST_SIMILAR_MIN_SCORE", "0.1"))
    # Outgoing mail for notifications. Without a host, emails are written to the log instead
    # of queued; `flask notifications send` delivers the queue.
    # Seconds a worker trusts its last check for changes made by other workers (backlog cache).
    # Money scoring compares revenue at risk with; empty means the total ARR of all accounts.
    REVENUE_SCALE = os.environ.get("WISHLIST_REVENUE_SCALE", "")
    BACKLOG_FINGERPRINT_MAX_AGE = float(os.environ.get("WISHLIST_BACKLOG_FINGERPRINT_MAX_AGE", "2"))
    # Seconds a worker reuses the public roadmap it put together (0: every request).
    ROADMAP_CACHE_SECONDS = float(os.environ.get("WISHLIST_ROADMAP_CACHE_SECONDS", "30"))
    SMTP_HOST = os.environ.get("WISHLIST_SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("WISHLIST_SMTP_PORT", "587"))
    SMTP_USER = os.environ.get("WISHLIST_SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("WISHLIST_SMTP_PASSWORD", "")
    SMTP_FROM = os.environ.get("WISHLIST_SMTP_FROM", "")
    # STARTTLS unless switched off (0, false, no, off) for a local relay.
    SMTP_TLS = os.environ.get("WISHLIST_SMTP_TLS", "1").strip().lower() not in (
        "0",
        "false",
        "no",
        "off",
    )
    # Where the site is reached, for links in emails (such as https://wishes.example.com).
    BASE_URL = os.environ.get("WISHLIST_BASE_URL", "")
    # Where background jobs wait for `flask jobs worker`: empty is a SQLite file in the instance
    # folder; redis://host:6379/0 for several machines; "immediate" runs them in the request.
    TASK_QUEUE = os.environ.get("WISHLIST_TASK_QUEUE", "")
    # Uploaded files waiting for their import job; several machines need one shared folder.
    JOB_FILES = os.environ.get("WISHLIST_JOB_FILES", "")

    @staticmethod
    def database_url(instance_path: str) -> str:
        """Return DATABASE_URL, or the default SQLite file under the instance folder."""
        url = os.environ.get("DATABASE_URL")
        if url:
            return _database_url(url)
        return "sqlite:///" + str(Path(instance_path) / "wishlist.sqlite")


class TestingConfig(Config):
    """Settings for the test suite: an isolated database, CSRF and limits switched on per test.

    Semantic matching is off here, whatever is installed: the suite's expectations (scores,
    thresholds, which wishes bundle) are the lexical engine's, and must not change with the
    developer's environment. Tests of semantic matching set EMBEDDING_MODEL themselves.
    """

    TESTING = True
    SECRET_KEY = "testing-only-not-secret"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    WISHES_PER_PAGE = 5
    # Hashing is the slowest part of creating test users; strength is not under test here.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Tests change statuses and votes and look again at once.
    ROADMAP_CACHE_SECONDS = 0.0
    TRENDING_CACHE_SECONDS = 0.0
    # No background threads unless a test asks for one.
    WARM_RANKING = False
    # Never the developer's real mail server; tests that need one set it themselves.
    SMTP_HOST = ""
    # Lexical unless a test asks for embeddings (see the class docstring).
    EMBEDDING_MODEL = "off"
    # Jobs run as they are queued, so no worker is needed and a test sees their outcome.
    TASK_QUEUE = "immediate"
