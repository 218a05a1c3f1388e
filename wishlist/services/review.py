"""What the review queue shows: bundles by value, each wish with its evidence."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..dedupe import Evidence
from ..extensions import db
from ..models import Bundle, BundleDecision, BundleState, Vote, Wish
from . import matching
from .bundles import BundleStats, bundle_stats, decisions, get_bundle
from .errors import NotFound

QUEUE_VIEWS = {"suggested": "Waiting for review", "confirmed": "Confirmed bundles"}
PER_PAGE = 20
EVIDENCE_LIMIT = 30


@dataclass
class QueueItem:
    """A bundle in the queue with what it is worth and its wishes."""

    bundle: Bundle
    stats: BundleStats
    wishes: list[Wish]
    suggested: int


@dataclass
class QueuePage:
    """One page of the queue."""

    items: list[QueueItem]
    page: int
    total: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, math.ceil(self.total / PER_PAGE))

    @property
    def has_prev(self) -> bool:
        """Whether there is an earlier page."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a later page."""
        return self.page < self.pages


@dataclass
class Member:
    """A wish in a bundle, with how it got there and why it seems to belong."""

    wish: Wish
    votes: int
    evidence: Evidence | None


@dataclass
class BundleDetail:
    """Everything the bundle review page shows."""

    bundle: Bundle
    stats: BundleStats
    anchor: Wish | None
    members: list[Member]
    decisions: list[BundleDecision]


def queue(show: str, page: int) -> QueuePage:
    """Bundles waiting for review (or confirmed ones), the most valuable first.

    Value is the number of distinct accounts behind a bundle, then distinct users, then votes.
    """
    live = Wish.withdrawn_at.is_(None)
    if show == "suggested":
        ids = select(Wish.bundle_id).where(live, Wish.bundle_state == BundleState.SUGGESTED)
    else:
        ids = select(Bundle.id).where(Bundle.confirmed.is_(True))
    bundle_ids = sorted(set(db.session.scalars(ids.distinct())) - {None})
    stats = bundle_stats(bundle_ids)
    order = sorted(
        bundle_ids, key=lambda b: (-stats[b].accounts, -stats[b].users, -stats[b].votes, b)
    )
    total = len(order)
    pages = max(1, math.ceil(total / PER_PAGE))
    if page > pages:
        raise NotFound(f"There is no page {page}; the last page is {pages}.")
    chosen = order[(page - 1) * PER_PAGE : page * PER_PAGE]
    bundles = {b.id: b for b in db.session.scalars(select(Bundle).where(Bundle.id.in_(chosen)))}
    items = []
    for bid in chosen:
        wishes = [w for w in bundles[bid].wishes if not w.is_withdrawn]
        suggested = sum(1 for w in wishes if w.bundle_state == BundleState.SUGGESTED)
        items.append(QueueItem(bundles[bid], stats[bid], wishes, suggested))
    return QueuePage(items=items, page=page, total=total)


def _votes(wish_ids: list[int]) -> dict[int, int]:
    """Votes per wish."""
    if not wish_ids:
        return {}
    rows = db.session.execute(
        select(Vote.wish_id, func.count(Vote.id))
        .where(Vote.wish_id.in_(wish_ids))
        .group_by(Vote.wish_id)
    )
    return dict(rows.all())


def bundle_detail(bundle_id: int) -> BundleDetail:
    """A bundle with each wish's evidence against the bundle's anchor wish.

    The anchor is the first confirmed wish, else the most-voted one: suggestions are judged
    against what people already agreed the bundle is about.
    """
    bundle = get_bundle(bundle_id)
    wishes = [w for w in bundle.wishes if not w.is_withdrawn]
    votes = _votes([w.id for w in wishes])
    confirmed = [w for w in wishes if w.bundle_state == BundleState.CONFIRMED]
    ranked = sorted(wishes, key=lambda w: (-votes.get(w.id, 0), w.id))
    anchor = confirmed[0] if confirmed else (ranked[0] if ranked else None)
    members = []
    for n, wish in enumerate(sorted(wishes, key=lambda w: (w is not anchor, w.id))):
        proof = None
        if anchor is not None and wish is not anchor and n < EVIDENCE_LIMIT:
            proof = matching.evidence(anchor, wish)
        members.append(Member(wish, votes.get(wish.id, 0), proof))
    return BundleDetail(
        bundle=bundle,
        stats=bundle_stats([bundle.id])[bundle.id],
        anchor=anchor,
        members=members,
        decisions=decisions(limit=20, bundle_id=bundle.id),
    )
