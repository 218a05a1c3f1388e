"""The status rule: a confirmed bundle governs its wishes, reopening needs a confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from wishlist.models import Notification, Wish, WishStatus
from wishlist.services import ServiceError
from wishlist.services import bundles as bundle_service
from wishlist.services import status as status_service
from wishlist.services import wishes as wish_service

from . import factories


@pytest.fixture
def pair(people):
    """A shipped wish and a new one, each on its own."""
    shipped = factories.make_wish(people["customer"], "Dark mode")
    fresh = factories.make_wish(people["other"], "Night theme")
    wish_service.change_status(people["pm"], shipped.id, "shipped")
    return shipped, fresh


def test_bundling_takes_the_most_advanced_status_and_wishes_follow(db, people, pair):
    """A bundle confirmed for the first time starts where its furthest wish stands."""
    shipped, fresh = pair
    decision = bundle_service.bundle_wishes(people["csm"], [shipped.id, fresh.id])
    bundle = bundle_service.get_bundle(decision.bundle_id)
    assert bundle.status == WishStatus.SHIPPED
    assert db.session.get(Wish, fresh.id).status == WishStatus.SHIPPED


def test_reopening_a_shipped_wish_needs_confirmation(db, people, pair):
    """Setting a bundle in progress does not silently move a shipped wish back."""
    shipped, fresh = pair
    decision = bundle_service.bundle_wishes(people["csm"], [shipped.id, fresh.id])
    with pytest.raises(ServiceError, match="Yes, reopen shipped work"):
        status_service.set_bundle_status(people["pm"], decision.bundle_id, "in_progress")
    assert db.session.get(Wish, shipped.id).status == WishStatus.SHIPPED
    status_service.set_bundle_status(
        people["pm"], decision.bundle_id, "in_progress", confirm_reopen=True
    )
    assert db.session.get(Wish, shipped.id).status == WishStatus.IN_PROGRESS


def test_a_bundled_wish_moves_with_its_bundle(db, people, pair):
    """Changing one bundled wish's status changes the bundle and its other wishes."""
    _, fresh = pair
    other = factories.make_wish(people["customer"], "Darker theme")
    decision = bundle_service.bundle_wishes(people["csm"], [fresh.id, other.id])
    wish_service.change_status(people["pm"], fresh.id, "planned")
    assert bundle_service.get_bundle(decision.bundle_id).status == WishStatus.PLANNED
    assert db.session.get(Wish, other.id).status == WishStatus.PLANNED


def test_a_wish_moved_into_a_bundle_takes_its_status(db, people, pair):
    """Moving a wish into a confirmed bundle gives it the bundle's status."""
    _, fresh = pair
    a = factories.make_wish(people["customer"], "Export to CSV")
    b = factories.make_wish(people["other"], "CSV download")
    decision = bundle_service.bundle_wishes(people["csm"], [a.id, b.id])
    status_service.set_bundle_status(people["pm"], decision.bundle_id, "planned")
    bundle_service.move_wish(people["csm"], fresh.id, decision.bundle_id)
    assert db.session.get(Wish, fresh.id).status == WishStatus.PLANNED


def test_roadmap_shows_a_bundle_once_and_backlog_agrees(db, people, pair):
    """A bundle stands in exactly one roadmap column, with none of its wishes loose."""
    _, fresh = pair
    other = factories.make_wish(people["customer"], "Darker theme")
    wish_service.change_status(people["pm"], other.id, "in_progress")
    decision = bundle_service.bundle_wishes(people["csm"], [fresh.id, other.id])
    status_service.set_bundle_status(people["pm"], decision.bundle_id, "planned")
    columns = status_service.roadmap()
    places = [
        (c.status, i)
        for c in columns
        for i in c.items
        if i.bundle_id == decision.bundle_id or i.wish_id in (fresh.id, other.id)
    ]
    assert [(s, i.bundle_id) for s, i in places] == [(WishStatus.PLANNED, decision.bundle_id)]
    statuses = {w.status for w in bundle_service.get_bundle(decision.bundle_id).wishes}
    assert statuses == {WishStatus.PLANNED}


def test_nobody_hears_twice_about_the_same_status(db, people, pair):
    """Wishes already at the new status do not notify their people again."""
    _, fresh = pair
    other = factories.make_wish(people["customer"], "Darker theme")
    wish_service.change_status(people["pm"], other.id, "planned")
    before = len(db.session.scalars(select(Notification)).all())
    decision = bundle_service.bundle_wishes(people["csm"], [fresh.id, other.id])
    # The bundle starts planned: only the people behind the wish that moved hear of it.
    after = db.session.scalars(select(Notification)).all()[before:]
    assert {n.wish_id for n in after} == {fresh.id}
    with pytest.raises(ServiceError, match="already planned"):
        status_service.set_bundle_status(people["pm"], decision.bundle_id, "planned")
