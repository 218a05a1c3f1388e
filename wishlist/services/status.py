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
from .text import optional_text
from .wishes import REASON_MAX

ROADMAP_STATUSES = (WishStatus.PLANNED, WishStatus.IN_PROGRESS, WishStatus.SHIPPED)
SHIPPED_WINDOW = timedelta(days=90)
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


COLUMN_TEXT = {
    WishStatus.PLANNED: ("Planned", "Nothing is planned just yet. Check back soon."),
    WishStatus.IN_PROGRESS: ("In progress", "Nothing is being built right now."),
    WishStatus.SHIPPED: (
        "Recently shipped",
        "Nothing shipped in the last 90 days. The next release is on its way.",
    ),
}


def _bundle_items(now: datetime) -> list[tuple[WishStatus, RoadmapItem]]:
    """Confirmed bundles on the roadmap, with their live confirmed wish counts."""
    changed = (
        select(
            BundleStatusChange.bundle_id.label("bundle_id"),
            func.max(BundleStatusChange.created_at).label("at"),
        )
        .group_by(BundleStatusChange.bundle_id)
        .subquery()
    )
    members = (
        select(Wish.bundle_id.label("bundle_id"), func.count(Wish.id).label("n"))
        .where(Wish.withdrawn_at.is_(None), Wish.bundle_state == BundleState.CONFIRMED)
        .group_by(Wish.bundle_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Bundle, changed.c.at, members.c.n)
        .outerjoin(changed, changed.c.bundle_id == Bundle.id)
        .outerjoin(members, members.c.bundle_id == Bundle.id)
        .where(Bundle.confirmed.is_(True), Bundle.status.in_(ROADMAP_STATUSES))
    )
    items = []
    for bundle, at, count in rows:
        at = at or bundle.updated_at
        if bundle.status == WishStatus.SHIPPED and at < now - SHIPPED_WINDOW:
            continue
        items.append(
            (
                bundle.status,
                RoadmapItem(
                    title=bundle.title,
                    description=bundle.description,
                    status_reason=bundle.status_reason,
                    changed_at=at,
                    wish_count=count or 0,
                    bundle_id=bundle.id,
                ),
            )
        )
    return items


def _wish_items(now: datetime) -> list[tuple[WishStatus, RoadmapItem]]:
    """Live wishes on the roadmap that are not part of a confirmed bundle."""
    changed = (
        select(StatusChange.wish_id.label("wish_id"), func.max(StatusChange.created_at).label("at"))
        .group_by(StatusChange.wish_id)
        .subquery()
    )
    confirmed_bundles = select(Bundle.id).where(Bundle.confirmed.is_(True))
    rows = db.session.execute(
        select(Wish, changed.c.at)
        .outerjoin(changed, changed.c.wish_id == Wish.id)
        .where(
            Wish.withdrawn_at.is_(None),
            Wish.status.in_(ROADMAP_STATUSES),
            or_(
                Wish.bundle_id.is_(None),
                # `!=` rather than IS NOT: PostgreSQL only allows IS with NULL and booleans.
                Wish.bundle_state != BundleState.CONFIRMED,
                Wish.bundle_state.is_(None),
                Wish.bundle_id.not_in(confirmed_bundles),
            ),
        )
    )
    items = []
    for wish, at in rows:
        at = at or wish.updated_at
        if wish.status == WishStatus.SHIPPED and at < now - SHIPPED_WINDOW:
            continue
        items.append(
            (
                wish.status,
                RoadmapItem(
                    title=wish.title,
                    description="",
                    status_reason=wish.status_reason,
                    changed_at=at,
                    wish_count=1,
                    wish_id=wish.id,
                ),
            )
        )
    return items


def roadmap(now: datetime | None = None) -> list[RoadmapColumn]:
    """The public roadmap: planned, in progress, and shipped in the last 90 days."""
    now = now or utcnow()
    columns = {status: RoadmapColumn(status, *COLUMN_TEXT[status]) for status in ROADMAP_STATUSES}
    for status, item in _bundle_items(now) + _wish_items(now):
        columns[status].items.append(item)
    for column in columns.values():
        # Bundles first (they stand for many customers), then most recently moved.
        column.items.sort(
            key=lambda i: (
                i.bundle_id is None,
                -(i.changed_at.timestamp() if i.changed_at else 0),
                i.title,
            )
        )
    return list(columns.values())
