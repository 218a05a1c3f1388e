"""A wish's vote and comment counters, kept exact in the same transaction as every write.

Listings sort by votes and show vote and comment counts; counting them from 1,000,000 votes
on every request took most of a second. Each wish therefore carries ``vote_count``,
``critical_votes``, ``important_votes``, ``public_comments`` and ``internal_comments``.

How they stay exact: every write path calls ``recount(wish_ids)`` after changing votes or
comments and before committing. It first locks the wishes' rows (``SELECT ... FOR NO KEY
UPDATE``, in id order, so two writers never wait on each other in a circle), then sets each
counter from a count of the rows themselves. On PostgreSQL under READ COMMITTED each statement
sees what was committed when it started; the recount runs after the lock is granted, so it
sees every earlier writer's committed vote and no concurrent write is lost or counted twice.
Recounting rather than incrementing also repairs bulk paths such as imports. SQLite runs one
writer at a time, so the recount there is exact by construction. ``check`` compares
every counter with a recount (``flask --app app counters check [--fix]``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update

from ..extensions import db
from ..models import Comment, Importance, Vote, Wish
from . import ranking_changes

COUNTERS = (
    "vote_count",
    "critical_votes",
    "important_votes",
    "public_comments",
    "internal_comments",
)
# Wishes recounted per UPDATE: keeps IN lists and locks small on big imports.
BATCH = 5_000


def _truth() -> dict[str, object]:
    """Each counter as a correlated count over the rows it summarises."""
    votes = Vote.__table__.c
    comments = Comment.__table__.c
    wish_id = Wish.__table__.c.id

    def count_votes(*where: object) -> object:
        return (
            select(func.count())
            .select_from(Vote.__table__)
            .where(votes.wish_id == wish_id, *where)
            .scalar_subquery()
        )

    def count_comments(internal: bool) -> object:
        return (
            select(func.count())
            .select_from(Comment.__table__)
            .where(comments.wish_id == wish_id, comments.internal.is_(internal))
            .scalar_subquery()
        )

    return {
        "vote_count": count_votes(),
        "critical_votes": count_votes(votes.importance == Importance.CRITICAL.value),
        "important_votes": count_votes(votes.importance == Importance.IMPORTANT.value),
        "public_comments": count_comments(False),
        "internal_comments": count_comments(True),
    }


def recount(wish_ids: Iterable[int]) -> None:
    """Lock these wishes and set their counters from their votes and comments (no commit)."""
    ids = sorted(set(wish_ids))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        db.session.execute(
            select(Wish.id)
            .where(Wish.id.in_(chunk))
            .order_by(Wish.id)
            # FOR NO KEY UPDATE: a vote's or comment's insert holds FOR KEY SHARE on its wish
            # (the foreign key), which this lock must not wait for, or two voters deadlock.
            .with_for_update(key_share=True)
        ).all()
        db.session.execute(
            update(Wish.__table__).where(Wish.__table__.c.id.in_(chunk)).values(**_truth()),
            execution_options={"synchronize_session": False, ranking_changes.JOURNALED: True},
        )
    # Votes moved these wishes' scores: the backlog cache rescores them (and only them).
    ranking_changes.record_wishes(db.session, ids)
    # The ORM's loaded wishes would otherwise show the counts from before the write.
    for wish in db.session.identity_map.values():
        if isinstance(wish, Wish) and wish.id in ids:
            db.session.expire(wish, list(COUNTERS))


def recount_all() -> int:
    """Set every wish's counters from a recount (after bulk loads); returns wishes changed."""
    wish = Wish.__table__.c
    truth = _truth()
    differs = [getattr(wish, name) != truth[name] for name in COUNTERS]
    result = db.session.execute(
        update(Wish.__table__).where(or_(*differs)).values(**truth),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()
    return result.rowcount or 0


@dataclass(frozen=True)
class Mismatch:
    """A wish whose stored counter differs from a recount."""

    wish_id: int
    counter: str
    stored: int
    actual: int


def check(limit: int = 100) -> list[Mismatch]:
    """Wishes whose counters differ from a recount (at most ``limit`` of them)."""
    wish = Wish.__table__.c
    truth = _truth()
    columns = [wish.id]
    for name in COUNTERS:
        columns += [getattr(wish, name), truth[name].label(f"actual_{name}")]
    differs = [getattr(wish, name) != truth[name] for name in COUNTERS]
    found = []
    for row in db.session.execute(select(*columns).where(or_(*differs)).limit(limit)):
        values = row._mapping
        for name in COUNTERS:
            stored, actual = values[getattr(wish, name)], values[f"actual_{name}"]
            if stored != actual:
                found.append(Mismatch(row.id, name, stored, actual))
    return found
