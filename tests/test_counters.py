"""A wish's vote and comment counters equal a recount after every kind of write."""

from __future__ import annotations

import io
import random
import threading

import pytest
from sqlalchemy import func, select, update

from wishlist.extensions import db as _db
from wishlist.models import Comment, Importance, Role, User, Vote, Wish
from wishlist.services import counters
from wishlist.services import imports as import_service
from wishlist.services import wishes as wish_service

from . import factories
from .conftest import ON_POSTGRES


def _truth(wish_id: int) -> tuple[int, ...]:
    """The counts a wish's counters must show, counted from the rows."""
    votes = _db.session.scalars(select(Vote.importance).where(Vote.wish_id == wish_id)).all()
    internal = _db.session.scalars(select(Comment.internal).where(Comment.wish_id == wish_id)).all()
    return (
        len(votes),
        votes.count(Importance.CRITICAL),
        votes.count(Importance.IMPORTANT),
        internal.count(False),
        internal.count(True),
    )


def _stored(wish_id: int) -> tuple[int, ...]:
    """The counters as stored."""
    _db.session.expire_all()
    wish = _db.session.get(Wish, wish_id)
    return tuple(getattr(wish, name) for name in counters.COUNTERS)


def test_every_write_path_keeps_the_counters_exact(client, auth, people):
    carol, oscar, csm = people["customer"], people["other"], people["csm"]
    wish = factories.make_wish(carol, "Dark mode", importance="critical")
    assert _stored(wish.id) == (1, 1, 0, 0, 0)
    wish_service.cast_vote(oscar, wish.id, "important")
    wish_service.cast_vote(oscar, wish.id, "nice")  # a change of mind counts once
    initech = factories.make_account("Initech", "initech.test")
    wish_service.vote_for(csm, wish.id, initech.id, None, "critical")
    wish_service.add_comment(oscar, wish.id, "We need this for night shifts.")
    wish_service.add_comment(csm, wish.id, "Initech's renewal depends on it.", internal=True)
    assert _stored(wish.id) == _truth(wish.id) == (3, 2, 0, 1, 1)
    wish_service.remove_vote(oscar, wish.id)
    wish_service.remove_vote(oscar, wish.id)  # again: nothing left to remove
    assert _stored(wish.id) == _truth(wish.id) == (2, 2, 0, 1, 1)
    assert counters.check() == []


def test_the_forum_list_shows_the_counters(client, auth, people):
    carol, oscar, csm = people["customer"], people["other"], people["csm"]
    wish = factories.make_wish(carol, "Dark mode", importance="critical")
    wish_service.cast_vote(oscar, wish.id, "important")
    wish_service.add_comment(oscar, wish.id, "Same here.")
    wish_service.add_comment(csm, wish.id, "Internal remark.", internal=True)
    page = wish_service.list_wishes(carol, wish_service.parse_filter({}, carol))
    row = next(r for r in page.items if r.wish.id == wish.id)
    assert (row.votes, row.critical, row.important, row.comments) == (2, 1, 1, 1)
    staff_page = wish_service.list_wishes(csm, wish_service.parse_filter({}, csm))
    assert next(r for r in staff_page.items if r.wish.id == wish.id).comments == 2


def test_imported_wishes_are_counted(people):
    csv = "title,account,email,importance\nBulk export,Globex,oscar@globex.test,critical\n"
    import_service.import_wishes(io.StringIO(csv), people["admin"], rebundle=False)
    wish_id = _db.session.scalar(select(Wish.id).where(Wish.title == "Bulk export"))
    assert _stored(wish_id) == _truth(wish_id) == (1, 1, 0, 0, 0)


def test_check_reports_and_fix_repairs(runner, people):
    wish = factories.make_wish(people["customer"], "Keyboard shortcuts")
    ok = runner.invoke(args=["counters", "check"])
    assert ok.exit_code == 0 and "match" in ok.output
    _db.session.execute(update(Wish).where(Wish.id == wish.id).values(vote_count=7))
    _db.session.commit()
    bad = runner.invoke(args=["counters", "check"])
    assert bad.exit_code == 1
    assert f"wish {wish.id}: vote_count is 7, a recount says 1" in bad.output
    fixed = runner.invoke(args=["counters", "check", "--fix"])
    assert fixed.exit_code == 0 and "1 wishes corrected" in fixed.output
    assert _stored(wish.id) == _truth(wish.id)
    assert runner.invoke(args=["counters", "check"]).exit_code == 0


@pytest.mark.skipif(
    not ON_POSTGRES, reason="real concurrency needs PostgreSQL (set TEST_DATABASE_URL)"
)
def test_counters_equal_a_recount_after_concurrent_writes(app, people):
    """Eight people vote, change their minds, unvote and comment on two wishes at once."""
    voters = [factories.make_user(Role.CUSTOMER, people["acme"]) for _ in range(8)]
    ids = [factories.make_wish(people["other"], f"Raced wish {n}").id for n in range(2)]
    barrier = threading.Barrier(len(voters))
    errors: list[BaseException] = []

    def work(user_id: int, seed: int) -> None:
        rng = random.Random(seed)
        with app.app_context():
            try:
                user = _db.session.get(User, user_id)
                barrier.wait(timeout=10)
                for _ in range(15):
                    wish_id = rng.choice(ids)
                    action = rng.random()
                    if action < 0.5:
                        wish_service.cast_vote(user, wish_id, rng.choice(list(Importance)))
                    elif action < 0.75:
                        wish_service.remove_vote(user, wish_id)
                    else:
                        wish_service.add_comment(user, wish_id, "Same here.")
            except BaseException as exc:  # noqa: BLE001 - reported to the test thread
                errors.append(exc)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=work, args=(v.id, n)) for n, v in enumerate(voters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    for wish_id in ids:
        assert _stored(wish_id) == _truth(wish_id)
    assert counters.check() == []
    total = _db.session.scalar(select(func.sum(Wish.vote_count)).where(Wish.id.in_(ids)))
    assert total == _db.session.scalar(select(func.count(Vote.id)).where(Vote.wish_id.in_(ids)))
