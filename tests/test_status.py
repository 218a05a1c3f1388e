"""Bundle status changes: who may make them, what they do to the wishes, who hears, the roadmap."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from wishlist.models import (
    Bundle,
    BundleStatusChange,
    Notification,
    Role,
    Wish,
    WishStatus,
    utcnow,
)
from wishlist.services import Forbidden, ServiceError
from wishlist.services import bundles as bundle_service
from wishlist.services import status as status_service
from wishlist.services import value as value_service
from wishlist.services import wishes as wish_service

from . import factories


@pytest.fixture
def scene(people):
    """Two wishes bundled, with a submitter who also voted the other, a follower, and more."""
    carol, oscar = people["customer"], people["other"]
    dark = factories.make_wish(carol, "Dark mode")
    night = factories.make_wish(oscar, "Night theme")
    # Carol asked for one wish and voted for the other: she must hear once, not twice.
    wish_service.cast_vote(carol, night.id, "nice")
    fay = factories.make_user(Role.CUSTOMER, people["acme"], email="fay@acme.test", name="Fay")
    wish_service.set_following(fay, dark.id, True)
    dee = factories.make_user(Role.CUSTOMER, people["globex"], email="dee@globex.test", name="Dee")
    wish_service.cast_vote(dee, night.id, "critical")
    dee.active = False
    # The person who makes the change follows too, and an account voted without a contact.
    wish_service.set_following(people["pm"], dark.id, True)
    wish_service.vote_for(people["csm"], dark.id, people["globex"].id, None, "critical")
    decision = bundle_service.bundle_wishes(people["csm"], [dark.id, night.id])
    return {
        "dark": dark,
        "night": night,
        "fay": fay,
        "dee": dee,
        "bundle_id": decision.bundle_id,
    }


def _notified(db) -> dict[str, int]:
    """Email address -> number of notifications."""
    counts: dict[str, int] = {}
    for n in db.session.scalars(select(Notification)):
        counts[n.user.email] = counts.get(n.user.email, 0) + 1
    return counts


def test_bundle_status_applies_to_its_wishes_with_history(db, people, scene):
    pm = people["pm"]
    bundle = status_service.set_bundle_status(
        pm, scene["bundle_id"], "planned", "  Coming in the spring release.  "
    )
    assert bundle.status == WishStatus.PLANNED
    assert bundle.status_reason == "Coming in the spring release."
    history = db.session.scalars(select(BundleStatusChange)).all()
    assert [(h.from_status, h.to_status, h.changed_by_id) for h in history] == [
        (WishStatus.NEW, WishStatus.PLANNED, pm.id)
    ]
    for wish in (scene["dark"], scene["night"]):
        db.session.refresh(wish)
        assert wish.status == WishStatus.PLANNED
        assert wish.status_reason == "Coming in the spring release."
    dark_steps = [(c.from_status, c.to_status, c.reason) for c in scene["dark"].status_changes]
    assert dark_steps == [
        (None, WishStatus.NEW, ""),
        (WishStatus.NEW, WishStatus.PLANNED, "Coming in the spring release."),
    ]
    night_steps = [(c.from_status, c.to_status) for c in scene["night"].status_changes]
    assert night_steps == [(None, WishStatus.NEW), (WishStatus.NEW, WishStatus.PLANNED)]

    status_service.set_bundle_status(pm, scene["bundle_id"], WishStatus.IN_PROGRESS)
    db.session.refresh(scene["dark"])
    assert scene["dark"].status == WishStatus.IN_PROGRESS
    assert scene["dark"].status_reason == ""
    assert len(status_service.bundle_history(scene["bundle_id"])) == 2


def test_withdrawn_wishes_stay_as_they_are(db, people, scene):
    wish_service.withdraw_wish(people["other"], scene["night"].id)
    status_service.set_bundle_status(people["pm"], scene["bundle_id"], "shipped")
    db.session.refresh(scene["night"])
    assert scene["night"].status == WishStatus.NEW
    assert db.session.get(Wish, scene["dark"].id).status == WishStatus.SHIPPED


def test_declining_needs_a_public_reason(db, people, scene):
    with pytest.raises(ServiceError, match="reason"):
        status_service.set_bundle_status(people["pm"], scene["bundle_id"], "declined", "   ")
    db.session.refresh(scene["dark"])
    assert scene["dark"].status == WishStatus.NEW
    assert db.session.scalars(select(BundleStatusChange)).all() == []
    assert db.session.scalars(select(Notification)).all() == []
    bundle = status_service.set_bundle_status(
        people["admin"], scene["bundle_id"], "declined", "Out of scope for this product."
    )
    assert bundle.status == WishStatus.DECLINED


def test_same_status_again_and_unknown_status_are_refused(people, scene):
    status_service.set_bundle_status(people["pm"], scene["bundle_id"], "planned")
    with pytest.raises(ServiceError, match="already planned"):
        status_service.set_bundle_status(people["pm"], scene["bundle_id"], "planned")
    with pytest.raises(ServiceError, match="status from the list"):
        status_service.set_bundle_status(people["pm"], scene["bundle_id"], "someday")


def test_suggested_bundles_cannot_be_moved(db, people):
    bundle = Bundle(title="Engine guess", confirmed=False)
    db.session.add(bundle)
    db.session.commit()
    with pytest.raises(ServiceError, match="Confirm the bundle"):
        status_service.set_bundle_status(people["pm"], bundle.id, "planned")


@pytest.mark.parametrize("role", ["customer", "csm"])
def test_customers_and_csm_cannot_change_bundle_status(db, people, scene, role):
    with pytest.raises(Forbidden):
        status_service.set_bundle_status(people[role], scene["bundle_id"], "planned")
    db.session.refresh(scene["dark"])
    assert scene["dark"].status == WishStatus.NEW
    assert db.session.scalars(select(BundleStatusChange)).all() == []


def test_everyone_behind_the_bundle_hears_once(db, people, scene):
    status_service.set_bundle_status(people["pm"], scene["bundle_id"], "planned", "Spring.")
    # Carol: submitter of one wish and voter of the other; Oscar: submitter; Fay: follower.
    # Not the PM who made the change, not deactivated Dee, not the account-level vote.
    assert _notified(db) == {"carol@acme.test": 1, "oscar@globex.test": 1, "fay@acme.test": 1}
    carol = db.session.scalar(
        select(Notification).where(Notification.user_id == people["customer"].id)
    )
    assert carol.subject == "Planned: Dark mode"
    assert carol.bundle_id == scene["bundle_id"]
    # Her link goes to the wish she asked for herself.
    assert carol.wish_id == scene["dark"].id
    assert "Spring." in carol.body
    assert f"/wishes/{scene['dark'].id}" in carol.body
    oscar = db.session.scalar(
        select(Notification).where(Notification.user_id == people["other"].id)
    )
    assert oscar.wish_id == scene["night"].id

    # Each change is news again.
    status_service.set_bundle_status(people["pm"], scene["bundle_id"], "shipped")
    assert _notified(db) == {"carol@acme.test": 2, "oscar@globex.test": 2, "fay@acme.test": 2}


def _roadmap_scene(db, people):
    """A planned bundle with confidential data around it, and wishes standing alone."""
    acme = people["acme"]
    acme.arr = Decimal("987654.00")
    db.session.commit()
    carol, oscar, pm = people["customer"], people["other"], people["pm"]
    dark = factories.make_wish(carol, "Dark mode")
    night = factories.make_wish(oscar, "Night theme")
    wish_service.add_comment(pm, dark.id, "Acme threatens to churn over this", internal=True)
    decision = bundle_service.bundle_wishes(people["csm"], [dark.id, night.id])
    bundle_service.edit_bundle(
        people["csm"], decision.bundle_id, "Dark appearance", "A darker look everywhere."
    )
    value_service.flag_account(
        people["csm"], decision.bundle_id, acme.id, "churn_risk", note="Renewal in May"
    )
    status_service.set_bundle_status(pm, decision.bundle_id, "planned", "Spring release.")
    building = factories.make_wish(oscar, "Export invoices to CSV")
    wish_service.change_status(pm, building.id, "in_progress")
    shipped = factories.make_wish(oscar, "Keyboard shortcuts")
    wish_service.change_status(pm, shipped.id, "shipped", "Press ? to see them.")
    old = factories.make_wish(oscar, "Printable reports")
    wish_service.change_status(pm, old.id, "shipped")
    for change in old.status_changes:
        change.created_at = utcnow() - timedelta(days=120)
    idle = factories.make_wish(oscar, "Offline mode")
    db.session.commit()
    return {"bundle_id": decision.bundle_id, "building": building, "idle": idle}


def test_roadmap_columns(db, people):
    found = _roadmap_scene(db, people)
    columns = {c.status: c for c in status_service.roadmap()}
    assert list(columns) == [WishStatus.PLANNED, WishStatus.IN_PROGRESS, WishStatus.SHIPPED]
    planned = columns[WishStatus.PLANNED].items
    # The bundle stands for its wishes; they are not listed again on their own.
    assert [(i.title, i.wish_count, i.status_reason) for i in planned] == [
        ("Dark appearance", 2, "Spring release.")
    ]
    assert [i.wish_id for i in columns[WishStatus.IN_PROGRESS].items] == [found["building"].id]
    assert [i.title for i in columns[WishStatus.SHIPPED].items] == ["Keyboard shortcuts"]


def test_roadmap_page_shows_progress_and_nothing_confidential(client, auth, db, people):
    found = _roadmap_scene(db, people)
    auth.login(people["other"].email)
    response = client.get("/roadmap")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in (
        "Dark appearance",
        "A darker look everywhere.",
        "Spring release.",
        "2 wishes",
        "Export invoices to CSV",
        f"/wishes/{found['building'].id}",
        "Keyboard shortcuts",
        "Press ? to see them.",
    ):
        assert shown in html, shown
    for hidden in (
        "Printable reports",  # shipped too long ago
        "Offline mode",  # not on the roadmap
        "987654",
        "987,654",
        "Acme Corp",
        "acme.test",
        "Carol",
        "Acme threatens to churn",
        "Renewal in May",
        "Churn risk",
        "Change status",
    ):
        assert hidden not in html, hidden


def test_roadmap_empty_state_and_pm_links(client, auth, db, people):
    auth.login(people["customer"].email)
    html = client.get("/roadmap").get_data(as_text=True)
    assert "Nothing is planned just yet" in html
    assert "Nothing is being built right now" in html
    assert "Nothing shipped in the last 90 days" in html
    assert 'href="/roadmap"' in html
    found = _roadmap_scene(db, people)
    auth.logout()
    auth.login(people["pm"].email)
    html = client.get("/roadmap").get_data(as_text=True)
    assert f"/value/bundles/{found['bundle_id']}#status" in html


def test_a_long_roadmap_column_lists_the_most_recently_moved(client, auth, db, people, monkeypatch):
    """A column shows its newest items (bundles first) and says how many there are in all."""
    pm = people["pm"]
    titles = [f"Planned idea {n}" for n in range(5)]
    for title in titles:
        wish = factories.make_wish(people["customer"], title)
        wish_service.change_status(pm, wish.id, "planned")
    columns = {c.status: c for c in status_service.roadmap(limit=3)}
    planned = columns[WishStatus.PLANNED]
    assert planned.total == 5
    assert [i.title for i in planned.items] == titles[::-1][:3]  # the latest moves first
    auth.login(people["customer"].email)
    page = client.get("/roadmap").get_data(as_text=True)
    assert "Planned <span" in page and "(5)" in page
    assert all(title in page for title in titles)  # 5 is under the page's limit of 50
    monkeypatch.setattr(status_service, "ROADMAP_LIMIT", 2)
    page = client.get("/roadmap").get_data(as_text=True)
    assert "The 2 most recently moved of 5" in page and "/?status=planned" in page
    assert titles[0] not in page


def test_the_roadmap_is_reused_for_a_while_then_read_again(app, client, auth, db, people):
    """Each worker reuses the public roadmap for ROADMAP_CACHE_SECONDS, then reads it anew."""
    app.config["ROADMAP_CACHE_SECONDS"] = 3600
    auth.login(people["customer"].email)
    wish = factories.make_wish(people["customer"], "Printable roadmap")
    assert "Printable roadmap" not in client.get("/roadmap").get_data(as_text=True)
    wish_service.change_status(people["pm"], wish.id, "planned")
    assert "Printable roadmap" not in client.get("/roadmap").get_data(as_text=True)
    app.config["ROADMAP_CACHE_SECONDS"] = 0
    assert "Printable roadmap" in client.get("/roadmap").get_data(as_text=True)
