"""Bundling decisions by people: accept, reject, split, merge, move, rename, and undo them.

Every decision is logged in `BundleDecision` with a snapshot of what it changed: the bundle
membership of each affected wish, the fields of each affected bundle (or that it did not exist
yet), and the not-duplicate pairs it recorded. Undo puts the snapshot back. Votes, comments and
follows stay on the wishes, so merging and splitting bundles never moves or loses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, or_, select, union
from sqlalchemy import inspect as sa_inspect

from ..extensions import db
from ..models import (
    TITLE_MAX,
    Bundle,
    BundleDecision,
    BundleState,
    NotDuplicate,
    User,
    Vote,
    Wish,
    utcnow,
)
from .errors import Forbidden, NotFound, ServiceError
from .text import optional_text, require_text


@dataclass
class BundleStats:
    """Who stands behind a bundle: each account and each user counted once."""

    accounts: int = 0
    users: int = 0
    votes: int = 0
    wishes: int = 0
    account_names: list[str] = field(default_factory=list)


def _require_staff(user: User) -> None:
    """Bundling is customer success's and product management's job."""
    if not user.is_staff:
        raise Forbidden("Only staff can bundle wishes.")


def get_bundle(bundle_id: int) -> Bundle:
    """Return a bundle or raise NotFound."""
    bundle = db.session.get(Bundle, bundle_id)
    if bundle is None:
        raise NotFound("That bundle does not exist (it may have been merged or dissolved).")
    return bundle


def live_members(bundle: Bundle) -> list[Wish]:
    """The bundle's wishes that are not withdrawn."""
    return [w for w in bundle.wishes if not w.is_withdrawn]


def bundle_stats(bundle_ids: Sequence[int]) -> dict[int, BundleStats]:
    """Distinct accounts and users behind each bundle, over every wish in it.

    An account or user that asked for or voted on several wishes of one bundle counts once.
    """
    stats = {bid: BundleStats() for bid in bundle_ids}
    if not bundle_ids:
        return stats
    live = Wish.withdrawn_at.is_(None) & Wish.bundle_id.in_(bundle_ids)
    # Requesters are the wishes' accounts and authors; voters are everyone who voted.
    people = union(
        select(
            Wish.bundle_id.label("bid"), Wish.author_id.label("uid"), Wish.account_id.label("aid")
        ).where(live),
        select(Wish.bundle_id, Vote.user_id, Vote.account_id)
        .join(Vote, Vote.wish_id == Wish.id)
        .where(live),
    ).subquery()
    rows = db.session.execute(
        select(
            people.c.bid,
            func.count(func.distinct(people.c.uid)),
            func.count(func.distinct(people.c.aid)),
        ).group_by(people.c.bid)
    )
    for bid, users, accounts in rows:
        stats[bid].users, stats[bid].accounts = users, accounts
    for bid, votes, wishes in db.session.execute(
        select(Wish.bundle_id, func.count(Vote.id), func.count(func.distinct(Wish.id)))
        .outerjoin(Vote, Vote.wish_id == Wish.id)
        .where(live)
        .group_by(Wish.bundle_id)
    ):
        stats[bid].votes, stats[bid].wishes = votes, wishes
    return stats


# --- snapshots and the decision log --------------------------------------------------------


class _Decision:
    """Collects the state before a decision, then writes the log entry."""

    def __init__(self, user: User, action: str, bundle_id: int | None) -> None:
        self.user = user
        self.adopting: list[tuple[Bundle, bool]] = []
        self.entry = BundleDecision(
            action=action, summary="", bundle_id=bundle_id, user_id=user.id, before={}
        )
        self.wishes: dict[str, list[object]] = {}
        self.bundles: dict[str, dict[str, object] | None] = {}
        db.session.add(self.entry)
        db.session.flush()

    def wish(self, wish: Wish) -> None:
        """Remember a wish's membership before it changes."""
        key = str(wish.id)
        if key not in self.wishes:
            state = wish.bundle_state.value if wish.bundle_state else None
            self.wishes[key] = [wish.bundle_id, state, wish.bundle_score]

    def bundle(self, bundle: Bundle | None, new: bool = False) -> None:
        """Remember a bundle's fields (or that the decision creates it)."""
        if bundle is None:
            return
        db.session.flush()
        key = str(bundle.id)
        if key not in self.bundles:
            self.bundles[key] = (
                None
                if new
                else {
                    "title": bundle.title,
                    "description": bundle.description,
                    "confirmed": bundle.confirmed,
                }
            )

    def adopt(self, bundle: Bundle, first_confirmation: bool = False) -> None:
        """Give the bundle's status to the wishes that joined it, when the decision is done."""
        self.adopting.append((bundle, first_confirmation))

    def not_duplicate(self, a: int, b: int) -> None:
        """Record that two wishes are different, unless a person already said so."""
        low, high = min(a, b), max(a, b)
        if low == high or db.session.get(NotDuplicate, (low, high)) is not None:
            return
        db.session.add(NotDuplicate(wish_a_id=low, wish_b_id=high, decision_id=self.entry.id))

    def done(self, summary: str) -> BundleDecision:
        """Drop bundles the decision emptied, write the snapshot and commit everything."""
        db.session.flush()
        _drop_empty_bundles([int(k) for k in self.bundles], remember=self.wish)
        # Imported here: status.py builds on this module.
        from .status import adopt_members

        for bundle, first in self.adopting:
            if not sa_inspect(bundle).was_deleted:
                adopt_members(self.user, bundle, first)
        self.entry.summary = summary[:500]
        self.entry.before = {"wishes": self.wishes, "bundles": self.bundles}
        db.session.commit()
        return self.entry


def _drop_empty_bundles(
    bundle_ids: Iterable[int], remember: Callable[[Wish], None] | None = None
) -> None:
    """Delete bundles left with no wishes; unconfirmed ones also go when one wish is left."""
    for bid in bundle_ids:
        bundle = db.session.get(Bundle, bid)
        if bundle is None:
            continue
        db.session.refresh(bundle)
        if not bundle.wishes or (not bundle.confirmed and len(bundle.wishes) < 2):
            for wish in bundle.wishes:
                if remember is not None:
                    remember(wish)
                _detach(wish)
            db.session.flush()
            db.session.delete(bundle)


def _detach(wish: Wish) -> None:
    """Take a wish out of its bundle."""
    wish.bundle_id, wish.bundle_state, wish.bundle_score = None, None, None


def _attach(wish: Wish, bundle: Bundle, state: BundleState, score: float | None = None) -> None:
    """Put a wish into a bundle."""
    wish.bundle_id, wish.bundle_state, wish.bundle_score = bundle.id, state, score


# --- decisions --------------------------------------------------------------------------------


def accept_bundle(user: User, bundle_id: int) -> BundleDecision:
    """Confirm a suggested bundle: all its wishes are one request from now on."""
    _require_staff(user)
    bundle = get_bundle(bundle_id)
    suggested = [w for w in bundle.wishes if w.bundle_state != BundleState.CONFIRMED]
    if bundle.confirmed and not suggested:
        raise ServiceError("This bundle is already confirmed.")
    decision = _Decision(user, "accept", bundle.id)
    decision.bundle(bundle)
    for wish in suggested:
        decision.wish(wish)
        wish.bundle_state = BundleState.CONFIRMED
    decision.adopt(bundle, first_confirmation=not bundle.confirmed)
    bundle.confirmed = True
    return decision.done(f"Accepted bundle “{bundle.title}” ({len(bundle.wishes)} wishes)")


def reject_bundle(user: User, bundle_id: int) -> BundleDecision:
    """Reject the suggested wishes of a bundle: they are remembered as not duplicates."""
    _require_staff(user)
    bundle = get_bundle(bundle_id)
    suggested = [w for w in bundle.wishes if w.bundle_state != BundleState.CONFIRMED]
    if not suggested:
        raise ServiceError("There is no suggestion to reject in this bundle.")
    decision = _Decision(user, "reject", bundle.id)
    decision.bundle(bundle)
    members = list(bundle.wishes)
    for wish in suggested:
        for other in members:
            decision.not_duplicate(wish.id, other.id)
    for wish in suggested:
        decision.wish(wish)
        _detach(wish)
    return decision.done(f"Rejected suggestion “{bundle.title}” ({len(suggested)} wishes)")


def remove_wish(user: User, bundle_id: int, wish_id: int) -> BundleDecision:
    """Take one wish out of a bundle; it is remembered as different from the rest."""
    _require_staff(user)
    bundle = get_bundle(bundle_id)
    wish = next((w for w in bundle.wishes if w.id == wish_id), None)
    if wish is None:
        raise NotFound("That wish is not in this bundle.")
    decision = _Decision(user, "remove", bundle.id)
    decision.bundle(bundle)
    for other in bundle.wishes:
        decision.not_duplicate(wish.id, other.id)
    decision.wish(wish)
    _detach(wish)
    return decision.done(f"Removed “{wish.title}” from “{bundle.title}”")


def merge_bundles(user: User, target_id: int, source_id: int) -> BundleDecision:
    """Move every wish of the source bundle into the target; the source disappears."""
    _require_staff(user)
    if target_id == source_id:
        raise ServiceError("Choose two different bundles to merge.")
    target, source = get_bundle(target_id), get_bundle(source_id)
    blocked = _blocked_pairs([w.id for w in target.wishes], [w.id for w in source.wishes])
    if blocked:
        raise ServiceError(
            "These bundles hold wishes that someone marked as different "
            f"(wishes {blocked[0][0]} and {blocked[0][1]}); remove one of them first."
        )
    decision = _Decision(user, "merge", target.id)
    decision.bundle(target)
    decision.bundle(source)
    for wish in list(target.wishes) + list(source.wishes):
        decision.wish(wish)
        _attach(wish, target, BundleState.CONFIRMED, wish.bundle_score)
    decision.adopt(target, first_confirmation=not target.confirmed)
    target.confirmed = True
    return decision.done(f"Merged “{source.title}” into “{target.title}”")


def move_wish(user: User, wish_id: int, target_id: int | None) -> BundleDecision:
    """Move a wish into another bundle (or, with no target, into a new bundle of its own)."""
    _require_staff(user)
    wish = db.session.get(Wish, wish_id)
    if wish is None or wish.is_withdrawn:
        raise NotFound("That wish does not exist or was withdrawn.")
    target = get_bundle(target_id) if target_id else None
    if target is not None and wish.bundle_id == target.id:
        raise ServiceError("The wish is already in that bundle.")
    if target is not None:
        blocked = _blocked_pairs([wish.id], [w.id for w in target.wishes])
        if blocked:
            raise ServiceError("Someone marked this wish as different from a wish in that bundle.")
    decision = _Decision(user, "move", target.id if target else None)
    old = wish.bundle
    decision.bundle(old)
    if old is not None:
        for other in old.wishes:
            decision.not_duplicate(wish.id, other.id)
    decision.wish(wish)
    if target is None:
        # A new bundle of one starts where its wish stands.
        target = Bundle(title=wish.title, description="", confirmed=True, status=wish.status)
        db.session.add(target)
        decision.bundle(target, new=True)
        decision.entry.bundle_id = target.id
    else:
        decision.bundle(target)
    decision.adopt(target, first_confirmation=not target.confirmed)
    _attach(wish, target, BundleState.CONFIRMED)
    where = f"“{old.title}”" if old else "no bundle"
    return decision.done(f"Moved “{wish.title}” from {where} to “{target.title}”")


def make_bundle_of_one(user: User, wish_id: int) -> BundleDecision:
    """Make a wish in no bundle a confirmed bundle of one, so staff can flag and screen it."""
    wish = db.session.get(Wish, wish_id)
    if wish is not None and wish.bundle_id is not None:
        raise ServiceError(f"That wish is already in bundle #{wish.bundle_id}.")
    return move_wish(user, wish_id, None)


def bundle_wishes(user: User, wish_ids: Sequence[int], title: str | None = None) -> BundleDecision:
    """Put wishes together by hand: into the bundle one of them is in, or a new one."""
    _require_staff(user)
    wishes = [db.session.get(Wish, wid) for wid in dict.fromkeys(wish_ids)]
    if len(wishes) < 2 or any(w is None or w.is_withdrawn for w in wishes):
        raise ServiceError("Choose at least two existing wishes to bundle.")
    blocked = _blocked_pairs([w.id for w in wishes], [w.id for w in wishes])
    if blocked:
        raise ServiceError("Someone marked two of these wishes as different.")
    confirmed = [w.bundle for w in wishes if w.bundle is not None and w.bundle.confirmed]
    target = confirmed[0] if confirmed else None
    decision = _Decision(user, "bundle", target.id if target else None)
    new = target is None
    for wish in wishes:
        decision.bundle(wish.bundle)
        decision.wish(wish)
    if target is None:
        target = Bundle(title=title or wishes[0].title, description="", confirmed=True)
        db.session.add(target)
        decision.bundle(target, new=True)
        decision.entry.bundle_id = target.id
    else:
        decision.bundle(target)
    for wish in wishes:
        _attach(wish, target, BundleState.CONFIRMED)
    decision.adopt(target, first_confirmation=new or not target.confirmed)
    target.confirmed = True
    return decision.done(f"Bundled {len(wishes)} wishes as “{target.title}”")


def edit_bundle(user: User, bundle_id: int, title: str, description: str) -> BundleDecision:
    """Give a bundle a clear title and description."""
    _require_staff(user)
    bundle = get_bundle(bundle_id)
    title = require_text(title, "Title", TITLE_MAX, min_length=3)
    description = optional_text(description, "Description", 10_000)
    decision = _Decision(user, "edit", bundle.id)
    decision.bundle(bundle)
    bundle.title, bundle.description = title, description
    return decision.done(f"Renamed bundle to “{title}”")


def _blocked_pairs(left: Sequence[int], right: Sequence[int]) -> list[tuple[int, int]]:
    """Pairs across two groups of wishes that a person marked as not duplicates."""
    if not left or not right:
        return []
    rows = db.session.execute(
        select(NotDuplicate.wish_a_id, NotDuplicate.wish_b_id).where(
            or_(
                NotDuplicate.wish_a_id.in_(left) & NotDuplicate.wish_b_id.in_(right),
                NotDuplicate.wish_a_id.in_(right) & NotDuplicate.wish_b_id.in_(left),
            )
        )
    )
    return [(a, b) for a, b in rows]


# --- undo -------------------------------------------------------------------------------------


def decisions(limit: int = 50, bundle_id: int | None = None) -> list[BundleDecision]:
    """The latest decisions, newest first (optionally about one bundle)."""
    query = select(BundleDecision).order_by(BundleDecision.id.desc()).limit(limit)
    if bundle_id is not None:
        query = query.where(BundleDecision.bundle_id == bundle_id)
    return list(db.session.scalars(query))


def _touched(entry: BundleDecision) -> tuple[set[int], set[int]]:
    """The wishes and bundles a decision changed."""
    before = entry.before or {}
    return (
        {int(k) for k in before.get("wishes", {})},
        {int(k) for k in before.get("bundles", {})},
    )


def undo(user: User, decision_id: int) -> BundleDecision:
    """Put back what a decision changed, if nothing later changed the same wishes or bundles."""
    _require_staff(user)
    entry = db.session.get(BundleDecision, decision_id)
    if entry is None:
        raise NotFound("No such decision.")
    if entry.undone_at is not None:
        raise ServiceError("This decision was already undone.")
    wish_ids, bundle_ids = _touched(entry)
    later = db.session.scalars(
        select(BundleDecision).where(
            BundleDecision.id > entry.id, BundleDecision.undone_at.is_(None)
        )
    )
    for other in later:
        other_wishes, other_bundles = _touched(other)
        if wish_ids & other_wishes or bundle_ids & other_bundles:
            raise ServiceError(
                f"A later decision (#{other.id}: {other.summary}) changed the same wishes; "
                "undo it first."
            )
    before = entry.before or {}
    for key, fields in before.get("bundles", {}).items():
        bundle = db.session.get(Bundle, int(key))
        if fields is None:
            continue  # created by the decision: emptied below, then dropped
        if bundle is None:
            bundle = Bundle(id=int(key))
            db.session.add(bundle)
        bundle.title = fields["title"]
        bundle.description = fields["description"]
        bundle.confirmed = fields["confirmed"]
    db.session.flush()
    for key, (bundle_id, state, score) in before.get("wishes", {}).items():
        wish = db.session.get(Wish, int(key))
        if wish is None:
            continue
        wish.bundle_id = bundle_id
        wish.bundle_state = BundleState(state) if state else None
        wish.bundle_score = score
    db.session.execute(delete(NotDuplicate).where(NotDuplicate.decision_id == entry.id))
    entry.undone_at = utcnow()
    entry.undone_by_id = user.id
    db.session.flush()
    _drop_empty_bundles(bundle_ids)
    db.session.commit()
    return entry


__all__ = [
    "BundleStats",
    "accept_bundle",
    "bundle_stats",
    "bundle_wishes",
    "decisions",
    "edit_bundle",
    "get_bundle",
    "merge_bundles",
    "move_wish",
    "reject_bundle",
    "remove_wish",
    "undo",
]
