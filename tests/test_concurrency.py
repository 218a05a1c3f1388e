"""Votes arriving at the same moment, and votes and reads while an import writes (SQLite)."""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import func, select, text

from wishlist import create_app
from wishlist.extensions import db as _db
from wishlist.models import Follow, ProductArea, Role, User, Vote
from wishlist.services import wishes as wish_service

from . import factories
from .conftest import ON_POSTGRES

ROUNDS = 5


def _race(app, calls) -> list[BaseException]:  # noqa: ANN001
    """Run each (user_id, wish_id, importance) vote in its own thread, released together."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def vote(user_id: int, wish_id: int, importance: str) -> None:
        with app.app_context():
            try:
                user = _db.session.get(User, user_id)
                barrier.wait(timeout=10)
                wish_service.cast_vote(user, wish_id, importance)
            except BaseException as exc:  # noqa: BLE001 - reported to the test thread
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=vote, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def _votes(wish_id: int) -> int:
    return _db.session.scalar(select(func.count(Vote.id)).where(Vote.wish_id == wish_id))


@pytest.mark.skipif(
    not ON_POSTGRES, reason="real concurrency needs PostgreSQL (set TEST_DATABASE_URL)"
)
def test_simultaneous_voters_all_count(app, people):
    author = people["other"]
    voters = [factories.make_user(Role.CUSTOMER, people["acme"]) for _ in range(4)]
    for _ in range(ROUNDS):
        wish = factories.make_wish(author, "Raced wish")
        errors = _race(app, [(v.id, wish.id, "critical") for v in voters])
        assert errors == []
        assert _votes(wish.id) == 1 + len(voters)


@pytest.mark.skipif(
    not ON_POSTGRES, reason="real concurrency needs PostgreSQL (set TEST_DATABASE_URL)"
)
def test_double_click_counts_once(app, people):
    author = people["other"]
    clicker = people["customer"]
    for _ in range(ROUNDS):
        wish = factories.make_wish(author, "Double-clicked wish")
        errors = _race(app, [(clicker.id, wish.id, "important")] * 3)
        assert errors == []
        assert _votes(wish.id) == 2
        follows = _db.session.scalar(
            select(func.count()).select_from(Follow).where(Follow.wish_id == wish.id)
        )
        assert follows == 2


def test_repeated_votes_in_sequence_keep_one_row(app, people):
    """Runs on every database: the upsert path itself, without threads."""
    wish = factories.make_wish(people["other"], "Sequential votes")
    for importance in ("nice", "critical", "important"):
        wish_service.cast_vote(people["customer"], wish.id, importance)
    assert _votes(wish.id) == 2
    vote = _db.session.scalar(select(Vote).where(Vote.user_id == people["customer"].id))
    assert vote.importance.value == "important"


# --- SQLite: an import's long write and the voters around it ----------------------------------

SQLITE_ONLY = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's journal and lock settings")


def _pragma(name: str) -> object:
    """The value of a SQLite PRAGMA on a connection of the app's engine."""
    return _db.session.execute(text(f"PRAGMA {name}")).scalar()


def _hold_write_lock(
    path: str,
    begin: str,
    held: threading.Event,
    release: threading.Event,
    committed: threading.Event,
    seconds: float,
) -> None:
    """Another process's long write, as an import: take the lock, insert, wait, commit."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute(f"BEGIN {begin}")
        conn.execute(
            "INSERT INTO product_area (name, description, archived) VALUES ('Imported', '', 0)"
        )
        held.set()
        release.wait(seconds)
        conn.execute("COMMIT")
        committed.set()
    finally:
        conn.close()


def _start_holder(
    begin: str, seconds: float
) -> tuple[threading.Thread, dict[str, threading.Event]]:
    """Start a thread holding the write lock of the app's SQLite file; return once it holds it."""
    events = {name: threading.Event() for name in ("held", "release", "committed")}
    holder = threading.Thread(
        target=_hold_write_lock,
        args=(_db.engine.url.database, begin),
        kwargs={**events, "seconds": seconds},
    )
    holder.start()
    assert events["held"].wait(10)
    return holder, events


@SQLITE_ONLY
def test_the_sqlite_file_runs_in_wal_with_a_busy_timeout(app):
    # WAL: readers never wait for a writer; the timeout: a writer waits its turn, not fails.
    assert _pragma("journal_mode") == "wal"
    assert _pragma("busy_timeout") == 15000
    assert _pragma("synchronous") == 1  # NORMAL: durable at each checkpoint, safe with WAL


@pytest.mark.parametrize(
    ("where", "journal"), [("file", "wal"), ("memory", "memory")], ids=["file", "memory"]
)
def test_the_busy_timeout_is_configurable(tmp_path, where, journal):
    url = "sqlite:///" + str(tmp_path / "other.sqlite") if where == "file" else "sqlite://"
    other = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SQLITE_BUSY_TIMEOUT_MS": 2500}
    )
    with other.app_context():
        try:
            assert _pragma("busy_timeout") == 2500
            assert _pragma("journal_mode") == journal
        finally:
            _db.session.remove()
            _db.engine.dispose()


@SQLITE_ONLY
def test_a_vote_waits_for_a_long_import_instead_of_failing(app, client, auth, people):
    wish = factories.make_wish(people["other"], "Voted on during an import")
    auth.login(people["customer"].email)
    # Within Python's own 5 s wait, so the old settings pass too (at 6 s they fail with
    # "database is locked"); kept short, it guards WAL's path: the vote waits, then writes.
    holder, events = _start_holder("IMMEDIATE", seconds=1.0)
    try:
        response = client.post(f"/wishes/{wish.id}/vote", data={"importance": "critical"})
    finally:
        events["release"].set()
        holder.join(timeout=30)
    assert response.status_code == 302
    assert events["committed"].is_set()
    assert _votes(wish.id) == 2
    names = _db.session.scalars(select(ProductArea.name)).all()
    assert "Imported" in names


@SQLITE_ONLY
def test_customers_read_the_forum_while_an_import_holds_the_lock(app, client, auth, people):
    factories.make_wish(people["other"], "Readable during an import")
    auth.login(people["customer"].email)
    # An import that outgrows SQLite's page cache holds the exclusive lock until it commits.
    holder, events = _start_holder("EXCLUSIVE", seconds=3.0)
    try:
        response = client.get("/")
        answered_during_the_import = not events["committed"].is_set()
    finally:
        events["release"].set()
        holder.join(timeout=30)
    assert response.status_code == 200
    assert "Readable during an import" in response.text
    assert answered_during_the_import
