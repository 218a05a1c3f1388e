"""Votes arriving at the same moment: different voters all count, one voter counts once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from wishlist.extensions import db as _db
from wishlist.models import Follow, Role, User, Vote
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
