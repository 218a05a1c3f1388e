"""Unbound Flask extensions, created once and bound in the application factory."""

from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Connection, Engine, MetaData, Table, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

from .taskqueue import TaskQueue

# Stable constraint names so Alembic migrations can drop and alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base carrying the naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Limits are declared per route; storage comes from RATELIMIT_STORAGE_URI in the config.
limiter = Limiter(key_func=get_remote_address)
# Background jobs; where tasks wait (SQLite file, Redis, or nowhere) comes from TASK_QUEUE.
huey = TaskQueue("wishlist")


def insert_for(table: Table, bind: Connection | None = None) -> Any:
    """The INSERT construct of the database (the session's, or ``bind``'s), with ON CONFLICT."""
    dialect = (bind or db.session.get_bind()).dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"Unsupported database: {dialect}")


def init_sqlite(app: Flask) -> None:
    """Tune each SQLite connection of the app so voters wait for a long write, never fail."""
    with app.app_context():
        engines = [engine for engine in db.engines.values() if engine.dialect.name == "sqlite"]
    for engine in engines:
        _tune_sqlite(engine, int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))


def _tune_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """Set WAL (files only), the busy timeout and synchronous=NORMAL on every new connection."""
    url = engine.url
    in_memory = url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"

    # foreign_keys stays off: with it on, a batch migration (copy the table, drop the old one)
    # fails on a database with data; 0002 cannot drop `wish` under its votes.
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, connection_record: Any) -> None:
        """Run the PRAGMAs before the connection's first statement."""
        cursor = dbapi_connection.cursor()
        try:
            # First, so that switching the journal mode below also waits for a busy database.
            cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
            if not in_memory:
                # WAL: readers never wait for a writer (an import), and a writer never waits
                # for readers. The mode is stored in the file; this is a no-op once set.
                cursor.execute("PRAGMA journal_mode = WAL")
                # With WAL, NORMAL cannot corrupt the file; a power cut loses at most the last
                # commits, and each commit saves an fsync.
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()
