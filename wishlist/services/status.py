"""Product management's workflow for bundles, and the public roadmap it feeds.

The status rule: a confirmed bundle's status governs its wishes. Setting a bundle's status sets
every live, confirmed member (withdrawn wishes keep theirs; suggested members are not part of the
bundle yet, and unconfirmed bundles govern nothing). A wish joining a confirmed bundle (accept,
move, merge, bundle by hand) takes the bundle's status; a bundle confirmed for the first time
first takes the most advanced status among its wishes, so confirming never moves work backwards.
Changing one bundled wish's status changes its bundle's. Moving anything back from Shipped needs
`confirm_reopen=True`. Each person behind the wishes that actually changed is notified once per
change, never for a status their wish already had.

The roadmap shows only what customers may see: titles, descriptions, counts and public reasons,
never accounts, revenue, flags, scores or internal comments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import (
    Bundle,
    BundleState,
    BundleStatusChange,
    Role,
    StatusChange,
    User,
    Wish,
    WishStatus,
    utcnow,
)
from . import notify
from .bundles import get_bundle
from .errors import Forbidden, ServiceError
from .kept import kept
from .text import optional_text
from .wishes import REASON_MAX

ROADMAP_STATUSES = (WishStatus.PLANNED, WishStatus.IN_PROGRESS, WishStatus.SHIPPED)
SHIPPED_WINDOW = timedelta(days=90)
# Items a roadmap column lists; thousands of planned wishes would be a wall, not a roadmap.
ROADMAP_LIMIT = 50
_ROADMAP_KEY = "wishlist.roadmap"
# The confirmation staff tick to move shipped work back; error messages name it too.
CONFIRM_REOPEN = "Yes, reopen shipped work"


def can_set_bundle_status(user: User) -> bool:
    """Product managers (and admins) decide where a bundle stands."""
    return user.role in (Role.PM, Role.ADMIN)


def _parse_status(value: WishStatus | str) -> WishStatus:
    """A status from the list, with a message people understand."""
    try:
        return WishStatus(value)
    except ValueError:
        raise ServiceError("Choose a status from the list.") from None


def bundle_wishes_in_play(bundle: Bundle) -> list[Wish]:
    """The wishes a bundle's status applies to: confirmed members that are not withdrawn."""
    # A wish the engine only suggested for the bundle is not yet part of it.
    return [
        w for w in bundle.wishes if not w.is_withdrawn and w.bundle_state == BundleState.CONFIRMED
    ]


# Workflow order for "most advanced"; a decline ranks lowest so any live work wins over it.
_ADVANCE = {
    WishStatus.DECLINED: 0,
    WishStatus.NEW: 1,
    WishStatus.UNDER_REVIEW: 2,
    WishStatus.PLANNED: 3,
    WishStatus.IN_PROGRESS: 4,
    WishStatus.SHIPPED: 5,
}


def most_advanced(statuses: list[WishStatus], default: WishStatus) -> WishStatus:
    """The furthest status along the workflow, or the default when there is none."""
    return max(statuses, key=_ADVANCE.__getitem__, default=default)


def governs(bundle: Bundle | None, wish: Wish) -> bool:
    """Whether a bundle's status decides this wish's: a confirmed member of a confirmed bundle."""
    return (
        bundle is not None
        and bundle.confirmed
        and wish.bundle_id == bundle.id
        and wish.bundle_state == BundleState.CONFIRMED
        and not wish.is_withdrawn
    )


def reopens(old: WishStatus, new: WishStatus) -> bool:
    """Whether a change takes something back from Shipped, which needs a confirmation."""
    return old == WishStatus.SHIPPED and new != WishStatus.SHIPPED


def has_shipped_work(bundle: Bundle) -> bool:
    """Whether a status change on this bundle could take shipped work back."""
    return bundle.status == WishStatus.SHIPPED or any(
        w.status == WishStatus.SHIPPED for w in bundle_wishes_in_play(bundle)
    )


def wish_has_shipped_work(wish: Wish) -> bool:
    """Whether changing this wish's status (or its bundle's) could take shipped work back."""
    if governs(wish.bundle, wish):
        assert wish.bundle is not None
        return has_shipped_work(wish.bundle)
    return wish.status == WishStatus.SHIPPED


def align_wishes(user: User, bundle: Bundle, notify_people: bool = True) -> list[Wish]:
    """Give a confirmed bundle's live members its status, with history; does not commit.

    Returns the wishes that changed; only the people behind those are notified.
    """
    changed = []
    for wish in bundle_wishes_in_play(bundle):
        if wish.status == bundle.status:
            continue
        db.session.add(
            StatusChange(
                wish=wish,
                from_status=wish.status,
                to_status=bundle.status,
                reason=bundle.status_reason,
                changed_by=user,
            )
        )
        wish.status = bundle.status
        wish.status_reason = bundle.status_reason
        changed.append(wish)
    if changed and notify_people:
        notify.notify_status_change(
            user, changed, bundle.status, bundle.status_reason, bundle=bundle
        )
    return changed


def adopt_members(user: User, bundle: Bundle, first_confirmation: bool) -> list[Wish]:
    """After wishes join a confirmed bundle, make their statuses the bundle's; does not commit.

    A bundle confirmed for the first time (no person ever set its status) first takes the most
    advanced status among its members, so confirming a bundle never moves a wish backwards.
    """
    db.session.flush()
    db.session.refresh(bundle)
    if first_confirmation and not bundle_history(bundle.id):
        bundle.status = most_advanced(
            [w.status for w in bundle_wishes_in_play(bundle)], bundle.status
        )
    return align_wishes(user, bundle)


def set_bundle_status(
    user: User,
    bundle_id: int,
    status: WishStatus | str,
    reason: str = "",
    confirm_reopen: bool = False,
    via_wish: bool = False,
) -> Bundle:
    """Move a confirmed bundle and its live wishes to a status; declining needs a public reason.

    Everyone behind the bundle's wishes is notified once; notifications and emails are only
    inserted here, in the same transaction, so mail trouble cannot fail the change.
    """
    # A change made on one of its wishes keeps the wish's permission: any member of staff.
    if not (can_set_bundle_status(user) or (via_wish and user.is_staff)):
        raise Forbidden("Only product managers can change a bundle's status.")
    status = _parse_status(status)
    bundle = get_bundle(bundle_id)
    if not bundle.confirmed:
        raise ServiceError("Confirm the bundle in the review queue before changing its status.")
    reason = optional_text(reason, "Reason", REASON_MAX)
    if status == WishStatus.DECLINED and not reason:
        raise ServiceError("Declining needs a public reason for the customers who asked.")
    if status == bundle.status:
        raise ServiceError(f"The bundle is already {status.label.lower()}.")
    shipped = [w for w in bundle_wishes_in_play(bundle) if reopens(w.status, status)]
    if (reopens(bundle.status, status) or shipped) and not confirm_reopen:
        raise ServiceError(
            f"This takes shipped work back to {status.label.lower()}"
            + (f" ({len(shipped)} shipped wishes)" if shipped else "")
            + f"; tick “{CONFIRM_REOPEN}” and change the status again to confirm."
        )
    try:
        db.session.add(
            BundleStatusChange(
                bundle_id=bundle.id,
                from_status=bundle.status,
                to_status=status,
                reason=reason,
                changed_by=user,
            )
        )
        bundle.status = status
        bundle.status_reason = reason
        align_wishes(user, bundle)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return bundle


def bundle_history(bundle_id: int) -> list[BundleStatusChange]:
    """A bundle's status changes, oldest first."""
    query = (
        select(BundleStatusChange)
        .where(BundleStatusChange.bundle_id == bundle_id)
        .order_by(BundleStatusChange.created_at, BundleStatusChange.id)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class RoadmapItem:
    """One public line of the roadmap: a bundle or a wish on its own, customer-safe fields only."""

    title: str
    description: str
    status_reason: str
    changed_at: datetime | None
    wish_count: int = 0
    # Set for a wish on its own (its page is public); bundles have no customer page.
    wish_id: int | None = None
    bundle_id: int | None = None


@dataclass
class RoadmapColumn:
    """A status and what stands in it, most recently moved first."""

    status: WishStatus
    title: str
    empty_text: str
    items: list[RoadmapItem] = field(default_factory=list)
    # Everything in the column, of which ``items`` are the most recent.
    total: int = 0


COLUMN_TEXT = {
    WishStatus.PLANNED: ("Planned", "Nothing is planned just yet. Check back soon."),
    WishStatus.IN_PROGRESS: ("In progress", "Nothing is being built right now."),
    WishStatus.SHIPPED: (
        "Recently shipped",
        "Nothing shipped in the last 90 days. The next release is on its way.",
    ),
}


def _bundle_items(status: WishStatus, cutoff: datetime | None, limit: int) -> tuple[list, int]:
    """A column's confirmed bundles, most recently moved first (at most ``limit``), and how many."""
    changed = func.coalesce(
        select(func.max(BundleStatusChange.created_at))
        .where(BundleStatusChange.bundle_id == Bundle.id)
        .scalar_subquery(),
        Bundle.updated_at,
    )
    members = (
        select(func.count(Wish.id))
        .where(
            Wish.bundle_id == Bundle.id,
            Wish.withdrawn_at.is_(None),
            Wish.bundle_state == BundleState.CONFIRMED,
        )
        .scalar_subquery()
    )
    where = [Bundle.confirmed.is_(True), Bundle.status == status]
    if cutoff is not None:
        where.append(changed >= cutoff)
    total = db.session.scalar(select(func.count()).select_from(Bundle).where(*where)) or 0
    rows = db.session.execute(
        select(Bundle, changed.label("at"), members.label("n"))
        .where(*where)
        .order_by(changed.desc(), Bundle.title)
        .limit(limit)
    )
    items = [
        RoadmapItem(
            title=bundle.title,
            description=bundle.description,
            status_reason=bundle.status_reason,
            changed_at=at,
            wish_count=count or 0,
            bundle_id=bundle.id,
        )
        for bundle, at, count in rows
    ]
    return items, total


def _wish_items(status: WishStatus, cutoff: datetime | None, limit: int) -> tuple[list, int]:
    """A column's live wishes outside confirmed bundles, most recently moved first, and how many."""
    changed = func.coalesce(
        select(func.max(StatusChange.created_at))
        .where(StatusChange.wish_id == Wish.id)
        .scalar_subquery(),
        Wish.created_at,
    )
    confirmed_bundles = select(Bundle.id).where(Bundle.confirmed.is_(True))
    where = [
        Wish.withdrawn_at.is_(None),
        Wish.status == status,
        or_(
            Wish.bundle_id.is_(None),
            # `!=` rather than IS NOT: PostgreSQL only allows IS with NULL and booleans.
            Wish.bundle_state != BundleState.CONFIRMED,
            Wish.bundle_state.is_(None),
            Wish.bundle_id.not_in(confirmed_bundles),
        ),
    ]
    if cutoff is not None:
        where.append(changed >= cutoff)
    total = db.session.scalar(select(func.count()).select_from(Wish).where(*where)) or 0
    if limit <= 0:
        return [], total
    rows = db.session.execute(
        select(Wish.id, Wish.title, Wish.status_reason, changed.label("at"))
        .where(*where)
        .order_by(changed.desc(), Wish.title)
        .limit(limit)
    )
    items = [
        RoadmapItem(
            title=title,
            description="",
            status_reason=reason,
            changed_at=at,
            wish_count=1,
            wish_id=wish_id,
        )
        for wish_id, title, reason, at in rows
    ]
    return items, total


def roadmap(now: datetime | None = None, limit: int | None = None) -> list[RoadmapColumn]:
    """The public roadmap: planned, in progress, and shipped in the last 90 days.

    Each column lists bundles first (they stand for many customers), then wishes on their
    own, each most recently moved first, at most ``limit`` items; ``total`` counts them all.
    A wish or bundle moved when its latest status change says (else when it was created).
    The same for everyone, so each worker reuses it for ROADMAP_CACHE_SECONDS (default 30):
    finding the latest move of 10,000 planned wishes costs 100 ms at 100,000 wishes.
    """
    if now is not None or limit is not None:
        return _roadmap(now or utcnow(), limit)
    ttl = float(current_app.config.get("ROADMAP_CACHE_SECONDS", 0))
    return kept(_ROADMAP_KEY, ttl, lambda: _roadmap(utcnow(), None))


def _roadmap(now: datetime, limit: int | None) -> list[RoadmapColumn]:
    """The roadmap's columns, read from the database."""
    limit = ROADMAP_LIMIT if limit is None else limit
    columns = []
    for status in ROADMAP_STATUSES:
        cutoff = now - SHIPPED_WINDOW if status == WishStatus.SHIPPED else None
        column = RoadmapColumn(status, *COLUMN_TEXT[status])
        bundles, bundle_total = _bundle_items(status, cutoff, limit)
        wishes, wish_total = _wish_items(status, cutoff, limit - len(bundles))
        column.items = bundles + wishes
        column.total = bundle_total + wish_total
        columns.append(column)
    return columns
