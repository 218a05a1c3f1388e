"""The forum as customers and staff use it: browse, submit, vote, comment, follow, status."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from wishlist.models import (
    Comment,
    Follow,
    Importance,
    Notification,
    Role,
    StatusChange,
    Vote,
    Wish,
    WishStatus,
    utcnow,
)
from wishlist.services import NotFound
from wishlist.services import wishes as wish_service

from . import factories


def _count(db, model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


def _titles(html: bytes) -> list[str]:
    """Wish titles in page order."""
    return re.findall(r'class="wish-title"[^>]*>([^<]*)<', html.decode())


# --- submitting -------------------------------------------------------------------------


def test_submit_wish_votes_and_follows(client, auth, db, people):
    auth.login("carol@acme.test")
    response = client.post(
        "/wishes/new",
        data={
            "title": "Export invoices to CSV",
            "body": "For our month-end close.",
            "product_area": people["area"].id,
            "importance": "critical",
        },
    )
    assert response.status_code == 302
    wish = db.session.scalar(select(Wish))
    assert wish.title == "Export invoices to CSV"
    assert wish.account.name == "Acme Corp"
    assert wish.status == WishStatus.NEW
    vote = db.session.scalar(select(Vote))
    assert (vote.user_id, vote.importance) == (people["customer"].id, Importance.CRITICAL)
    assert _count(db, Follow) == 1
    page = client.get(response.location)
    assert b"Export invoices to CSV" in page.data
    assert b"your wish is posted" in page.data.lower()


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", b"Give your wish a title."),
        ("   ", b"Give your wish a title."),
        ("x" * 2000, b"between 3 and 200 characters"),
        ("ab", b"between 3 and 200 characters"),
    ],
)
def test_submit_rejects_bad_titles_and_saves_nothing(client, auth, db, people, title, message):
    auth.login("carol@acme.test")
    response = client.post("/wishes/new", data={"title": title, "importance": "nice"})
    assert response.status_code == 400
    assert message in response.data
    assert _count(db, Wish) == 0
    assert _count(db, Vote) == 0


def test_submit_rejects_unknown_area_and_importance(client, auth, db, people):
    auth.login("carol@acme.test")
    bad_area = client.post(
        "/wishes/new", data={"title": "Valid title", "product_area": 9999, "importance": "nice"}
    )
    assert bad_area.status_code == 400
    bad_importance = client.post(
        "/wishes/new", data={"title": "Valid title", "importance": "urgent!!"}
    )
    assert bad_importance.status_code == 400
    assert _count(db, Wish) == 0


def test_html_and_script_are_shown_escaped(client, auth, db, people):
    auth.login("carol@acme.test")
    nasty = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = client.post(
        "/wishes/new", data={"title": nasty, "body": nasty, "importance": "nice"}
    )
    wish_url = response.location
    client.post(wish_url + "/comments", data={"body": nasty})
    for url in (wish_url, "/", "/me/wishes"):
        html = client.get(url).data
        assert b"<script>alert" not in html
        assert b"<img src=x" not in html
        assert b"&lt;script&gt;" in html


def test_unicode_and_emoji_round_trip(client, auth, db, people):
    auth.login("carol@acme.test")
    title = "Ümlauts in vendor names break PDF export 😕"
    response = client.post(
        "/wishes/new", data={"title": title, "body": "日本語もお願いします", "importance": "nice"}
    )
    assert response.status_code == 302
    page = client.get(response.location).data.decode()
    assert title in page
    assert "日本語もお願いします" in page
    assert client.get("/?q=Ümlauts").data.decode().count(title) == 1


# --- browsing -----------------------------------------------------------------------------


@pytest.fixture
def catalogue(db, people):
    """Three wishes with 1, 3 and 2 votes, in two areas and two statuses."""
    other_area = factories.make_area("Mobile")
    customer, other = people["customer"], people["other"]
    extra = [factories.make_user(Role.CUSTOMER, people["acme"]) for _ in range(2)]
    a = factories.make_wish(customer, "Dark mode for the dashboard", area=people["area"])
    b = factories.make_wish(other, "Offline mode in the mobile app", area=other_area)
    c = factories.make_wish(customer, "Scheduled report emails", area=people["area"])
    for user in extra:
        wish_service.cast_vote(user, b.id, "critical")
    wish_service.cast_vote(extra[0], c.id, "nice")
    wish_service.change_status(people["pm"], c.id, "planned")
    return {"a": a, "b": b, "c": c, "mobile": other_area}


def test_sorts_top_newest_trending(client, auth, catalogue, people):
    auth.login("carol@acme.test")
    assert _titles(client.get("/?sort=top").data) == [
        "Offline mode in the mobile app",
        "Scheduled report emails",
        "Dark mode for the dashboard",
    ]
    assert _titles(client.get("/?sort=newest").data)[0] == "Scheduled report emails"
    assert _titles(client.get("/?sort=trending").data)[0] == "Offline mode in the mobile app"


def test_filters_and_search(client, auth, catalogue, people):
    auth.login("carol@acme.test")
    assert _titles(client.get("/?status=planned").data) == ["Scheduled report emails"]
    mobile = client.get(f"/?area={catalogue['mobile'].id}").data
    assert _titles(mobile) == ["Offline mode in the mobile app"]
    assert _titles(client.get("/?q=MODE").data) == [
        "Offline mode in the mobile app",
        "Dark mode for the dashboard",
    ]
    assert _titles(client.get("/?q=dark+dashboard").data) == ["Dark mode for the dashboard"]
    empty = client.get("/?q=teleporter")
    assert b"No wishes match" in empty.data
    # LIKE wildcards are searched literally.
    assert _titles(client.get("/?q=%25").data) == []


def test_bad_listing_parameters_get_clear_errors(client, auth, catalogue, people):
    auth.login("carol@acme.test")
    bad_page = client.get("/?page=two")
    assert bad_page.status_code == 400
    assert b"page number must be a whole number" in bad_page.data
    assert client.get("/?page=-1").status_code == 400
    assert client.get("/?page=50").status_code == 404
    assert client.get("/?sort=random").status_code == 400
    assert client.get("/?status=lost").status_code == 400


def test_pagination(client, auth, db, people):
    for n in range(7):
        factories.make_wish(people["other"], f"Paged wish {n}")
    auth.login("carol@acme.test")
    first = client.get("/?sort=newest")
    second = client.get("/?sort=newest&page=2")
    assert len(_titles(first.data)) == 5
    assert len(_titles(second.data)) == 2
    assert set(_titles(first.data)).isdisjoint(_titles(second.data))
    assert b"Page 1 of 2" in first.data
    assert b"page=2" in first.data and b"sort=newest" in first.data


def test_my_wishes_and_my_votes(client, auth, catalogue, people):
    auth.login("carol@acme.test")
    mine = _titles(client.get("/me/wishes").data)
    assert sorted(mine) == ["Dark mode for the dashboard", "Scheduled report emails"]
    client.post(f"/wishes/{catalogue['b'].id}/vote", data={"importance": "nice"})
    voted = _titles(client.get("/me/votes").data)
    assert "Offline mode in the mobile app" in voted
    assert len(voted) == 3


def test_empty_forum_has_a_friendly_empty_state(client, auth, people):
    auth.login("carol@acme.test")
    page = client.get("/")
    assert b"Nothing here yet" in page.data
    assert b"Submit a wish" in page.data


# --- voting -------------------------------------------------------------------------------


def test_vote_change_importance_and_remove(client, auth, db, people):
    wish = factories.make_wish(people["other"], "SAML single sign-on")
    auth.login("carol@acme.test")
    client.post(f"/wishes/{wish.id}/vote", data={"importance": "nice"})
    client.post(f"/wishes/{wish.id}/vote", data={"importance": "critical"})
    votes = db.session.scalars(select(Vote).where(Vote.wish_id == wish.id)).all()
    assert len(votes) == 2
    mine = next(v for v in votes if v.user_id == people["customer"].id)
    assert mine.importance == Importance.CRITICAL
    page = client.get(f"/wishes/{wish.id}").data
    assert b"Update my vote" in page
    assert b"1 critical" in page
    assert db.session.get(Follow, {"user_id": people["customer"].id, "wish_id": wish.id})
    client.post(f"/wishes/{wish.id}/unvote")
    assert _count(db, Vote) == 1
    assert b"Remove my vote" not in client.get(f"/wishes/{wish.id}").data


def test_voting_twice_counts_once(client, auth, db, people):
    wish = factories.make_wish(people["other"], "Bulk edit invoices")
    auth.login("carol@acme.test")
    for _ in range(3):
        assert (
            client.post(f"/wishes/{wish.id}/vote", data={"importance": "important"}).status_code
            == 302
        )
    assert _count(db, Vote) == 2
    listing = client.get("/").data.decode()
    assert re.search(r'vote-count">2<', listing)


def _visible(html: str) -> str:
    """A page's text as a reader sees it: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_vote_count_says_what_it_counts(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Bulk edit invoices")
    wish_service.cast_vote(people["other"], wish.id, "nice")
    initech = factories.make_account("Initech", "initech.test")
    wish_service.vote_for(people["csm"], wish.id, initech.id, None, "critical")
    lone = factories.make_wish(people["other"], "Keyboard shortcuts")
    auth.login("carol@acme.test")
    page = client.get(f"/wishes/{wish.id}").get_data(as_text=True)
    assert "3 votes 2 from people · 1 from a company, recorded by our team" in _visible(page)
    # Which company is never said to customers.
    assert "Initech" not in page
    single = client.get(f"/wishes/{lone.id}").get_data(as_text=True)
    assert "1 vote from 1 person" in _visible(single)
    listing = client.get("/").get_data(as_text=True)
    assert "3 votes" in _visible(listing) and "1 vote " in _visible(listing)
    assert 'title="One vote per person, plus any vote our team recorded for a whole company"' in (
        listing
    )
    assert "Initech" not in listing


def test_votes_on_missing_or_withdrawn_wish_are_404(client, auth, db, people):
    wish = factories.make_wish(people["other"], "Withdrawn soon")
    wish_service.withdraw_wish(people["other"], wish.id)
    auth.login("carol@acme.test")
    assert client.post(f"/wishes/{wish.id}/vote", data={"importance": "nice"}).status_code == 404
    assert client.post("/wishes/99999/vote", data={"importance": "nice"}).status_code == 404
    assert client.post(f"/wishes/{wish.id}/comments", data={"body": "hi"}).status_code == 404
    assert _count(db, Vote) == 1
    assert _count(db, Comment) == 0


def test_bad_importance_is_rejected(client, auth, db, people):
    wish = factories.make_wish(people["other"], "Dark mode")
    auth.login("carol@acme.test")
    response = client.post(f"/wishes/{wish.id}/vote", data={"importance": "extreme"})
    assert response.status_code == 400
    assert b"Choose how important" in response.data
    assert _count(db, Vote) == 1


# --- editing and withdrawing -------------------------------------------------------------


def test_author_edits_until_someone_else_votes(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Dark mod")
    auth.login("carol@acme.test")
    edited = client.post(
        f"/wishes/{wish.id}/edit", data={"title": "Dark mode", "body": "Please", "product_area": 0}
    )
    assert edited.status_code == 302
    assert db.session.get(Wish, wish.id).title == "Dark mode"
    wish_service.cast_vote(people["other"], wish.id, "nice")
    assert client.get(f"/wishes/{wish.id}/edit").status_code == 403
    refused = client.post(
        f"/wishes/{wish.id}/edit", data={"title": "Something else", "product_area": 0}
    )
    assert refused.status_code == 403
    db.session.expire_all()
    assert db.session.get(Wish, wish.id).title == "Dark mode"


def test_others_cannot_edit_or_withdraw(client, auth, db, people):
    wish = factories.make_wish(people["other"], "Not yours")
    auth.login("carol@acme.test")
    assert client.get(f"/wishes/{wish.id}/edit").status_code == 403
    assert client.post(f"/wishes/{wish.id}/withdraw").status_code == 403
    db.session.expire_all()
    assert db.session.get(Wish, wish.id).withdrawn_at is None


def test_edit_with_bad_title_keeps_the_old_one(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Original title")
    auth.login("carol@acme.test")
    response = client.post(f"/wishes/{wish.id}/edit", data={"title": "", "product_area": 0})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Wish, wish.id).title == "Original title"


def test_withdraw_hides_from_customers_but_not_from_staff(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Withdraw me")
    auth.login("carol@acme.test")
    assert client.post(f"/wishes/{wish.id}/withdraw").status_code == 302
    assert client.get(f"/wishes/{wish.id}").status_code == 404
    assert b"Withdraw me" not in client.get("/").data
    auth.logout()
    auth.login("sam@vendor.test")
    staff_view = client.get(f"/wishes/{wish.id}")
    assert staff_view.status_code == 200
    assert b"was withdrawn" in staff_view.data
    assert _count(db, Vote) == 1  # nothing is deleted


# --- comments -----------------------------------------------------------------------------


def test_internal_comments_are_staff_only(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Audit log export")
    auth.login("sam@vendor.test")
    client.post(
        f"/wishes/{wish.id}/comments",
        data={"body": "Renewal depends on this", "internal": "y"},
    )
    client.post(f"/wishes/{wish.id}/comments", data={"body": "We are looking into it"})
    assert b"Renewal depends on this" in client.get(f"/wishes/{wish.id}").data
    auth.logout()
    auth.login("carol@acme.test")
    page = client.get(f"/wishes/{wish.id}").data
    assert b"We are looking into it" in page
    assert b"Renewal depends on this" not in page
    api = client.get(f"/api/v1/wishes/{wish.id}").get_json()
    assert [c["body"] for c in api["comments"]] == ["We are looking into it"]
    listing = client.get("/").data.decode()
    assert "1 comment<" in listing


def test_customer_cannot_post_internal_comment(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Audit log export")
    auth.login("carol@acme.test")
    response = client.post(f"/wishes/{wish.id}/comments", data={"body": "sneaky", "internal": "y"})
    assert response.status_code == 403
    assert _count(db, Comment) == 0


def test_empty_comment_is_refused(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Audit log export")
    auth.login("carol@acme.test")
    response = client.post(
        f"/wishes/{wish.id}/comments", data={"body": "  "}, follow_redirects=True
    )
    assert b"Write something first." in response.data
    assert _count(db, Comment) == 0


def test_customers_never_see_other_accounts_emails(client, auth, db, people):
    wish = factories.make_wish(people["other"], "Visible wish")
    wish_service.add_comment(people["other"], wish.id, "my comment")
    auth.login("carol@acme.test")
    for url in (f"/wishes/{wish.id}", "/", f"/api/v1/wishes/{wish.id}", "/api/v1/wishes"):
        assert b"oscar@globex.test" not in client.get(url).data
    auth.logout()
    auth.login("sam@vendor.test")
    assert b"oscar@globex.test" in client.get(f"/wishes/{wish.id}").data


# --- following ----------------------------------------------------------------------------


def test_follow_and_unfollow(client, auth, db, people):
    wish = factories.make_wish(people["other"], "Follow me")
    auth.login("carol@acme.test")
    client.post(f"/wishes/{wish.id}/follow", data={"follow": "1"})
    assert set(wish_service.followers(wish.id)) == {people["other"].id, people["customer"].id}
    assert b"Unfollow" in client.get(f"/wishes/{wish.id}").data
    client.post(f"/wishes/{wish.id}/follow", data={"follow": "0"})
    assert wish_service.followers(wish.id) == [people["other"].id]


# --- status -------------------------------------------------------------------------------


def test_staff_change_status_with_history(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "SCIM provisioning")
    auth.login("pat@vendor.test")
    client.post(f"/wishes/{wish.id}/status", data={"status": "under_review", "reason": ""})
    client.post(f"/wishes/{wish.id}/status", data={"status": "planned", "reason": "Q3"})
    history = db.session.scalars(
        select(StatusChange).where(StatusChange.wish_id == wish.id).order_by(StatusChange.id)
    ).all()
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, WishStatus.NEW),
        (WishStatus.NEW, WishStatus.UNDER_REVIEW),
        (WishStatus.UNDER_REVIEW, WishStatus.PLANNED),
    ]
    assert history[-1].changed_by_id == people["pm"].id
    auth.logout()
    auth.login("carol@acme.test")
    page = client.get(f"/wishes/{wish.id}").data
    assert b"badge--planned" in page
    assert b"Pat PM" in page


def test_declining_needs_a_public_reason(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Espresso machine integration")
    auth.login("pat@vendor.test")
    refused = client.post(
        f"/wishes/{wish.id}/status",
        data={"status": "declined", "reason": ""},
        follow_redirects=True,
    )
    assert b"needs a public reason" in refused.data
    db.session.expire_all()
    assert db.session.get(Wish, wish.id).status == WishStatus.NEW
    client.post(
        f"/wishes/{wish.id}/status",
        data={"status": "declined", "reason": "Out of scope for a finance product."},
    )
    auth.logout()
    auth.login("carol@acme.test")
    page = client.get(f"/wishes/{wish.id}").data
    assert b"Out of scope for a finance product." in page
    assert b"badge--declined" in page


def _notified(db) -> dict[str, int]:  # noqa: ANN001
    """Email address -> number of notifications."""
    counts: dict[str, int] = {}
    for n in db.session.scalars(select(Notification)):
        counts[n.user.email] = counts.get(n.user.email, 0) + 1
    return counts


def test_reopening_a_shipped_wish_needs_the_box_ticked(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Audit log export")
    wish_service.cast_vote(people["other"], wish.id, "critical")
    auth.login("pat@vendor.test")
    assert "Yes, reopen shipped work" not in client.get(f"/wishes/{wish.id}").get_data(True)
    wish_service.change_status(people["pm"], wish.id, "shipped")
    assert "Yes, reopen shipped work" in client.get(f"/wishes/{wish.id}").get_data(True)
    before, changes = _notified(db), _count(db, StatusChange)
    refused = client.post(
        f"/wishes/{wish.id}/status",
        data={"status": "in_progress", "reason": ""},
        follow_redirects=True,
    )
    assert "tick “Yes, reopen shipped work”" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Wish, wish.id).status == WishStatus.SHIPPED
    assert (_notified(db), _count(db, StatusChange)) == (before, changes)
    client.post(
        f"/wishes/{wish.id}/status",
        data={"status": "in_progress", "reason": "", "confirm_reopen": "y"},
    )
    db.session.expire_all()
    assert db.session.get(Wish, wish.id).status == WishStatus.IN_PROGRESS
    after = _notified(db)
    heard = {email: after[email] - before.get(email, 0) for email in after}
    assert heard == {"carol@acme.test": 1, "oscar@globex.test": 1}


def test_customers_cannot_change_status(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Mine")
    auth.login("carol@acme.test")
    assert client.post(f"/wishes/{wish.id}/status", data={"status": "shipped"}).status_code == 403
    assert b"Change status" not in client.get(f"/wishes/{wish.id}").data
    db.session.expire_all()
    assert db.session.get(Wish, wish.id).status == WishStatus.NEW


def test_unknown_status_is_rejected(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Mine")
    auth.login("pat@vendor.test")
    assert client.post(f"/wishes/{wish.id}/status", data={"status": "done"}).status_code == 400
    assert _count(db, StatusChange) == 1


# --- API ----------------------------------------------------------------------------------


def test_api_lists_and_votes(client, auth, db, people):
    wish = factories.make_wish(people["other"], "API wish")
    assert client.get("/api/v1/wishes").status_code == 401
    auth.login("carol@acme.test")
    data = client.get("/api/v1/wishes?sort=newest").get_json()
    assert data["total"] == 1
    assert data["items"][0]["title"] == "API wish"
    assert data["items"][0]["votes"] == 1
    voted = client.put(f"/api/v1/wishes/{wish.id}/vote", json={"importance": "critical"})
    assert voted.get_json() == {"voted": True, "importance": "critical"}
    assert client.get(f"/api/v1/wishes/{wish.id}").get_json()["votes"] == 2
    bad = client.put(f"/api/v1/wishes/{wish.id}/vote", json={"importance": "meh"})
    assert bad.status_code == 400
    assert "important" in bad.get_json()["error"]["message"]
    client.delete(f"/api/v1/wishes/{wish.id}/vote")
    assert client.get(f"/api/v1/wishes/{wish.id}").get_json()["votes"] == 1
    assert client.get("/api/v1/wishes/424242").status_code == 404
    assert client.get("/api/v1/wishes?page=x").get_json()["error"]["code"] == "bad_request"


def test_trending_pages_follow_recent_then_all_votes_then_newest(db, people):
    """Every page of "trending" equals one sort of all wishes on (recent votes, votes, id)."""
    voters = [factories.make_user(Role.CUSTOMER, people["acme"]) for _ in range(4)]
    wishes = [factories.make_wish(people["other"], f"Trend {n}") for n in range(7)]
    for n, wish in enumerate(wishes):
        for voter in voters[: n % 4]:
            wish_service.cast_vote(voter, wish.id, "nice")
    # Votes on the first three wishes are old: they count for "top" but not for "trending".
    old = utcnow() - timedelta(days=60)
    db.session.execute(
        update(Vote).where(Vote.wish_id.in_([w.id for w in wishes[:3]])).values(created_at=old)
    )
    db.session.commit()
    since = utcnow() - timedelta(days=14)
    live = db.session.scalars(select(Wish).where(Wish.withdrawn_at.is_(None))).all()

    def recent(wish: Wish) -> int:
        return sum(1 for v in wish.votes if v.created_at >= since)

    expected = [w.id for w in sorted(live, key=lambda w: (-recent(w), -w.vote_count, -w.id))]
    viewer = people["customer"]
    wf = wish_service.parse_filter({"sort": "trending"}, viewer)
    seen = []
    for page in range(1, 10):
        try:
            result = wish_service.list_wishes(viewer, wf, page, per_page=2)
        except NotFound:
            break
        seen += [row.wish.id for row in result.items]
    assert seen == expected


def test_a_broad_search_says_more_than_the_cap_match(client, auth, people, monkeypatch):
    """A text search counts matches up to a cap and says "more than" beyond it."""
    monkeypatch.setattr(wish_service, "SEARCH_COUNT_CAP", 3)
    for n in range(5):
        factories.make_wish(people["other"], f"Export format {n}")
    factories.make_wish(people["other"], "Import wizard")
    viewer = people["customer"]
    broad = wish_service.list_wishes(viewer, wish_service.parse_filter({"q": "export"}, viewer))
    assert (broad.total, broad.capped) == (3, True)
    narrow = wish_service.list_wishes(viewer, wish_service.parse_filter({"q": "wizard"}, viewer))
    assert (narrow.total, narrow.capped) == (1, False)
    auth.login(viewer.email)
    assert "More than 3 wishes match" in client.get("/?q=export").get_data(as_text=True)
    data = client.get("/api/v1/wishes?q=export").get_json()
    assert data["total"] == 3 and data["total_capped"] is True


def test_trending_is_reused_for_a_while_then_worked_out_again(app, db, people):
    """A worker keeps the unfiltered trending order for TRENDING_CACHE_SECONDS."""
    app.config["TRENDING_CACHE_SECONDS"] = 3600
    viewer = people["customer"]
    quiet = factories.make_wish(people["other"], "Quiet wish")
    busy = factories.make_wish(people["other"], "Busy wish")
    voters = [factories.make_user(Role.CUSTOMER, people["acme"]) for _ in range(3)]
    wf = wish_service.parse_filter({"sort": "trending"}, viewer)

    def order() -> list[int]:
        # Two to a page: a page past the wishes with recent votes is always worked out anew.
        page = wish_service.list_wishes(viewer, wf, 1, per_page=2)
        return [row.wish.id for row in page.items]

    assert order() == [busy.id, quiet.id]  # equal recent votes: the newer wish first
    for voter in voters:
        wish_service.cast_vote(voter, quiet.id, "nice")
    assert order() == [busy.id, quiet.id]  # the kept order, within the hour
    filtered = wish_service.parse_filter({"sort": "trending", "q": "wish"}, viewer)
    rows = wish_service.list_wishes(viewer, filtered, 1, per_page=50).items
    assert [r.wish.id for r in rows][:2] == [quiet.id, busy.id]  # filtered: always fresh
    app.config["TRENDING_CACHE_SECONDS"] = 0
    assert order() == [quiet.id, busy.id]
