"""Fixtures: an app on a migrated database (SQLite, or PostgreSQL via TEST_DATABASE_URL)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text

# The instance folder (secret key, default database) must not be the developer's own.
os.environ.setdefault("WISHLIST_INSTANCE_PATH", tempfile.mkdtemp(prefix="wishlist-test-"))

from wishlist import create_app  # noqa: E402
from wishlist.extensions import db as _db  # noqa: E402
from wishlist.models import Role  # noqa: E402

from . import factories  # noqa: E402

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The test database: TEST_DATABASE_URL, else a SQLite file of this run."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        from wishlist.config import _database_url

        url = _database_url(url)
        # Start from an empty schema so the migrations are what builds it.
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def _migrated(database_url: str) -> str:
    """Build the schema once per run with the Alembic migrations, as production does."""
    from flask_migrate import upgrade

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        upgrade()
        _db.engine.dispose()
    return database_url


def _empty_tables() -> None:
    """Delete every row, leaving the schema, so each test starts clean."""
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with _db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        with _db.engine.begin() as conn:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(_migrated: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """A fresh app bound to the migrated test database, emptied after each test."""
    # Its own instance folder, so no test sees another's duplicate index.
    monkeypatch.setenv("WISHLIST_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _migrated})
    with app.app_context():
        yield app
        _db.session.remove()
        _empty_tables()
        _db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser-like client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Runs `flask` commands against the app."""
    return app.test_cli_runner()


@pytest.fixture
def db(app: Flask):  # noqa: ANN201 - the Flask-SQLAlchemy object
    """The database extension, for tests that query directly."""
    return _db


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = factories.PASSWORD):  # noqa: ANN201
        """Post the sign-in form."""
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):  # noqa: ANN201
        """Post the sign-out form."""
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Sign-in helper bound to the client."""
    return AuthActions(client)


@pytest.fixture
def people(app: Flask) -> dict[str, object]:
    """One user per role, two customer accounts, and a product area."""
    acme = factories.make_account("Acme Corp", "acme.test")
    globex = factories.make_account("Globex", "globex.test")
    return {
        "acme": acme,
        "globex": globex,
        "customer": factories.make_user(Role.CUSTOMER, acme, email="carol@acme.test", name="Carol"),
        "other": factories.make_user(
            Role.CUSTOMER, globex, email="oscar@globex.test", name="Oscar"
        ),
        "csm": factories.make_user(Role.CSM, email="sam@vendor.test", name="Sam CSM"),
        "pm": factories.make_user(Role.PM, email="pat@vendor.test", name="Pat PM"),
        "admin": factories.make_user(Role.ADMIN, email="ada@vendor.test", name="Ada Admin"),
        "area": factories.make_area("Reporting"),
    }
