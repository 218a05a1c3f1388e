"""Bundling in the app: suggestions while typing, matching on submission, the review queue."""

from __future__ import annotations

from sqlalchemy import func, select

from wishlist.models import (
    Bundle,
    BundleDecision,
    BundleState,
    Comment,
    Follow,
    NotDuplicate,
    Vote,
    Wish,
)
from wishlist.services import bundles as bundle_service
from wishlist.services import matching
from wishlist.services import wishes as wish_service

from . import factories

DARK = [
    ("Dark mode for the dashboard", "A dark theme for the dashboard; the white screen hurts."),
    ("Dashboard dark mode please", "Please add a dark theme to the dashboard."),
    ("Dark theme on the dashboard", "We would love a dark mode for dashboard screens."),
]
CSV = [
    ("Export invoices to CSV", "Download the invoice list as a CSV file for reconciliation."),
    ("CSV export for invoices", "We need to export invoices as CSV for our reconciliation."),
]
IMPORT = ("Import invoices from CSV", "Upload a CSV file to create invoices in bulk.")
OTHER = [
    ("Offline mode in the mobile app", "Field staff lose signal in warehouses."),
    ("Slack notifications for approvals", "Post approval requests to a Slack channel."),
    ("Audit log of permission changes", "Security needs to see who changed which role."),
]


def _seed(people, texts):  # noqa: ANN001, ANN202
    """Wishes by alternating customers, without matching, in order."""
    authors = [people["customer"], people["other"]]
    return [
        factories.make_wish(authors[n % 2], title, body) for n, (title, body) in enumerate(texts)
    ]


def _count(db, model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


# --- suggestions while typing -----------------------------------------------------------


def test_similar_endpoint_finds_paraphrases_first(client, auth, people):
    dark = _seed(people, DARK + OTHER)
    auth.login("carol@acme.test")
    data = client.get("/api/v1/wishes/similar?title=dark+theme+dashboard&limit=3").get_json()
    ids = [item["id"] for item in data["items"]]
    assert set(ids) == {w.id for w in dark[:3]}
    first = data["items"][0]
    assert set(first) >= {"id", "title", "status", "votes", "score"}
    assert first["votes"] == 1 and first["status"] == "new"
    assert all(0 < item["score"] <= 1 for item in data["items"])
    assert [i["score"] for i in data["items"]] == sorted(
        (i["score"] for i in data["items"]), reverse=True
    )


def test_unusable_saved_index_is_refitted(app, client, auth, people):
    """A saved index the engine refuses (an older version, a broken file) is rebuilt on the
    next request: suggestions keep working and the file is replaced."""
    import joblib

    dark = _seed(people, DARK + OTHER)
    auth.login("carol@acme.test")
    url = "/api/v1/wishes/similar?title=dark+theme+dashboard&limit=3"
    assert client.get(url).status_code == 200
    with app.app_context():
        path = matching._index_path()
    state = joblib.load(path)
    state["version"] = 3
    joblib.dump(state, path)
    with app.app_context():
        matching._cache().clear()
    data = client.get(url).get_json()
    assert {item["id"] for item in data["items"]} == {w.id for w in dark[:3]}
    assert joblib.load(path)["version"] != 3


def test_similar_endpoint_bad_input_and_access(client, auth, people):
    _seed(people, OTHER)
    assert client.get("/api/v1/wishes/similar?title=x").status_code == 401
    auth.login("carol@acme.test")
    assert client.get("/api/v1/wishes/similar?title=offline&limit=abc").status_code == 400
    assert client.get("/api/v1/wishes/similar?title=offline&limit=0").status_code == 400
    assert client.get("/api/v1/wishes/similar?title=offline&limit=500").status_code == 400
    assert client.get("/api/v1/wishes/similar?title=").get_json() == {"items": []}
    unrelated = client.get("/api/v1/wishes/similar?title=zzzz+qqqq").get_json()
    assert unrelated == {"items": []}


def test_similar_leaves_out_withdrawn_wishes(client, auth, people):
    wishes = _seed(people, DARK)
    wish_service.withdraw_wish(people["customer"], wishes[0].id)
    auth.login("carol@acme.test")
    ids = [
        i["id"] for i in client.get("/api/v1/wishes/similar?title=dark+mode").get_json()["items"]
    ]
    assert wishes[0].id not in ids
    assert wishes[1].id in ids


def test_new_wish_form_offers_suggestions(client, auth, people):
    auth.login("carol@acme.test")
    page = client.get("/wishes/new").data
    assert b'data-similar="on"' in page
    assert b'id="similar"' in page


# --- matching on submission ---------------------------------------------------------------


def test_submitted_duplicate_is_suggested_into_a_bundle(client, auth, db, people):
    first = _seed(people, [DARK[0]] + OTHER)[0]
    auth.login("carol@acme.test")
    response = client.post(
        "/wishes/new", data={"title": DARK[1][0], "body": DARK[1][1], "importance": "nice"}
    )
    new = db.session.get(Wish, int(response.location.rsplit("/", 1)[1]))
    assert new.bundle_id is not None
    assert new.bundle_id == db.session.get(Wish, first.id).bundle_id
    assert new.bundle_state == BundleState.SUGGESTED
    assert db.session.get(Bundle, new.bundle_id).confirmed is False


def test_hard_negative_is_not_matched(client, auth, db, people):
    _seed(people, [CSV[0]] + OTHER)
    auth.login("carol@acme.test")
    response = client.post(
        "/wishes/new", data={"title": IMPORT[0], "body": IMPORT[1], "importance": "nice"}
    )
    new = db.session.get(Wish, int(response.location.rsplit("/", 1)[1]))
    assert new.bundle_id is None


# --- the queue and its decisions ---------------------------------------------------------


def _clustered(db, people):  # noqa: ANN001, ANN202
    wishes = _seed(people, DARK + CSV + [IMPORT] + OTHER)
    summary = matching.recompute_bundles()
    assert summary.wishes == len(wishes)
    return wishes


def test_recompute_suggests_bundles_without_chaining_or_hard_negatives(db, people):
    wishes = _clustered(db, people)
    dark, csv, imp = wishes[:3], wishes[3:5], wishes[5]
    dark_bundle = {db.session.get(Wish, w.id).bundle_id for w in dark}
    assert len(dark_bundle) == 1 and None not in dark_bundle
    csv_bundle = {db.session.get(Wish, w.id).bundle_id for w in csv}
    assert len(csv_bundle) == 1 and None not in csv_bundle
    assert db.session.get(Wish, imp.id).bundle_id not in csv_bundle
    assert all(db.session.get(Wish, w.id).bundle_id is None for w in wishes[6:])


def test_queue_lists_suggestions_by_accounts(client, auth, db, people):
    wishes = _clustered(db, people)
    auth.login("sam@vendor.test")
    page = client.get("/review/").data.decode()
    assert "Dark mode for the dashboard" in page
    assert "Export invoices to CSV" in page
    # The dark-mode bundle has two accounts behind it and is listed first.
    assert page.index("Dark mode for the dashboard") < page.index("Export invoices to CSV")
    assert "<strong>2</strong> accounts" in page
    bundle_id = db.session.get(Wish, wishes[0].id).bundle_id
    detail = client.get(f"/review/bundles/{bundle_id}").data.decode()
    assert "dashboard" in detail and "similarity" in detail.lower()
    assert "<mark>" in detail or 'class="term"' in detail


def test_accept_then_undo(client, auth, db, people):
    wishes = _clustered(db, people)
    bundle_id = db.session.get(Wish, wishes[0].id).bundle_id
    auth.login("sam@vendor.test")
    response = client.post(f"/review/bundles/{bundle_id}/accept", follow_redirects=True)
    assert b"Accepted bundle" in response.data
    db.session.expire_all()
    assert db.session.get(Bundle, bundle_id).confirmed
    assert {w.bundle_state for w in db.session.get(Bundle, bundle_id).wishes} == {
        BundleState.CONFIRMED
    }
    decision = db.session.scalar(select(BundleDecision))
    assert decision.user_id == people["csm"].id and decision.action == "accept"
    client.post(f"/review/decisions/{decision.id}/undo")
    db.session.expire_all()
    assert not db.session.get(Bundle, bundle_id).confirmed
    assert {w.bundle_state for w in db.session.get(Bundle, bundle_id).wishes} == {
        BundleState.SUGGESTED
    }
    assert db.session.get(BundleDecision, decision.id).undone_at is not None


def test_reject_is_remembered_on_every_rerun(client, auth, db, people):
    wishes = _clustered(db, people)
    csv = wishes[3:5]
    bundle_id = db.session.get(Wish, csv[0].id).bundle_id
    auth.login("sam@vendor.test")
    client.post(f"/review/bundles/{bundle_id}/reject")
    db.session.expire_all()
    assert db.session.get(Bundle, bundle_id) is None
    assert _count(db, NotDuplicate) == 1
    for _ in range(2):
        matching.recompute_bundles()
        db.session.expire_all()
        a, b = (db.session.get(Wish, w.id) for w in csv)
        assert a.bundle_id is None or a.bundle_id != b.bundle_id


def test_confirmed_bundles_stay_together_on_rerun(db, people):
    wishes = _seed(people, [DARK[0], OTHER[0], OTHER[1]])
    decision = bundle_service.bundle_wishes(people["csm"], [wishes[1].id, wishes[2].id])
    for _ in range(2):
        matching.recompute_bundles()
        db.session.expire_all()
        assert db.session.get(Wish, wishes[1].id).bundle_id == decision.bundle_id
        assert db.session.get(Wish, wishes[2].id).bundle_id == decision.bundle_id
        assert db.session.get(Wish, wishes[1].id).bundle_state == BundleState.CONFIRMED


def test_remove_move_merge_and_rename(client, auth, db, people):
    wishes = _clustered(db, people)
    dark_id = db.session.get(Wish, wishes[0].id).bundle_id
    csv_id = db.session.get(Wish, wishes[3].id).bundle_id
    auth.login("pat@vendor.test")
    client.post(f"/review/bundles/{dark_id}/accept")
    client.post(
        f"/review/bundles/{dark_id}/edit",
        data={"title": "Dark mode everywhere", "description": "All dark-theme requests."},
    )
    client.post(f"/review/bundles/{dark_id}/remove/{wishes[2].id}")
    db.session.expire_all()
    assert db.session.get(Wish, wishes[2].id).bundle_id is None
    assert db.session.get(Bundle, dark_id).title == "Dark mode everywhere"
    # Moving the removed wish back is refused: a person just said it is different.
    refused = client.post(
        f"/review/wishes/{wishes[2].id}/move", data={"bundle_id": dark_id}, follow_redirects=True
    )
    assert b"marked this wish as different" in refused.data
    client.post(f"/review/wishes/{wishes[6].id}/move", data={"bundle_id": csv_id})
    client.post(f"/review/bundles/{dark_id}/merge", data={"bundle_id": csv_id})
    db.session.expire_all()
    assert db.session.get(Bundle, csv_id) is None
    merged = {w.id for w in db.session.get(Bundle, dark_id).wishes}
    assert merged == {wishes[0].id, wishes[1].id, wishes[3].id, wishes[4].id, wishes[6].id}
    log = client.get("/review/decisions").data.decode()
    for word in ("Accepted", "Renamed", "Removed", "Moved", "Merged"):
        assert word in log


def test_merge_and_split_lose_no_vote_comment_or_follower(db, people):
    wishes = _seed(people, DARK + CSV)
    extra = factories.make_user(account=people["acme"])
    wish_service.cast_vote(extra, wishes[3].id, "critical")
    wish_service.add_comment(extra, wishes[3].id, "We need this")
    before = (_count(db, Vote), _count(db, Comment), _count(db, Follow))
    a = bundle_service.bundle_wishes(people["csm"], [w.id for w in wishes[:3]])
    b = bundle_service.bundle_wishes(people["csm"], [w.id for w in wishes[3:]])
    merge = bundle_service.merge_bundles(people["csm"], a.bundle_id, b.bundle_id)
    stats = bundle_service.bundle_stats([a.bundle_id])[a.bundle_id]
    # Two accounts, three people (Carol, Oscar, the extra Acme user), six votes.
    assert (stats.accounts, stats.users, stats.votes, stats.wishes) == (2, 3, 6, 5)
    bundle_service.undo(people["csm"], merge.id)
    db.session.expire_all()
    assert {w.bundle_id for w in wishes[3:] if db.session.refresh(w) is None} == {b.bundle_id}
    assert (_count(db, Vote), _count(db, Comment), _count(db, Follow)) == before
    votes_on = dict(
        db.session.execute(select(Vote.user_id, Vote.wish_id).where(Vote.user_id == extra.id)).all()
    )
    assert votes_on == {extra.id: wishes[3].id}


def test_account_voting_on_three_wishes_counts_once(db, people):
    wishes = _seed(people, DARK)
    voter = factories.make_user(account=people["acme"])
    for wish in wishes:
        wish_service.cast_vote(voter, wish.id, "nice")
    decision = bundle_service.bundle_wishes(people["csm"], [w.id for w in wishes])
    stats = bundle_service.bundle_stats([decision.bundle_id])[decision.bundle_id]
    assert stats.accounts == 2  # Acme and Globex
    assert stats.users == 3  # Carol, Oscar and the voter, each once
    assert stats.votes == 6


def test_undo_is_refused_when_a_later_decision_touched_the_same_wishes(db, people):
    wishes = _seed(people, DARK)
    first = bundle_service.bundle_wishes(people["csm"], [wishes[0].id, wishes[1].id])
    bundle_service.remove_wish(people["csm"], first.bundle_id, wishes[1].id)
    try:
        bundle_service.undo(people["csm"], first.id)
    except Exception as exc:  # noqa: BLE001
        assert "undo it first" in str(exc)
    else:
        raise AssertionError("undo should have been refused")


def test_customers_see_confirmed_bundles_only_and_no_review(client, auth, db, people):
    wishes = _clustered(db, people)
    auth.login("carol@acme.test")
    assert client.get("/review/").status_code == 403
    page = client.get(f"/wishes/{wishes[0].id}").data
    assert b"Grouped with" not in page  # only a suggestion so far
    assert b"Possible duplicates" not in page
    bundle_id = db.session.get(Wish, wishes[0].id).bundle_id
    bundle_service.accept_bundle(people["csm"], bundle_id)
    page = client.get(f"/wishes/{wishes[0].id}").data
    assert b"Grouped with 2 similar wishes" in page


def test_staff_see_possible_duplicates_and_bundle_them(client, auth, db, people):
    wishes = _seed(people, DARK[:2] + OTHER)
    auth.login("sam@vendor.test")
    page = client.get(f"/wishes/{wishes[0].id}").data.decode()
    assert "Possible duplicates" in page
    assert DARK[1][0] in page
    client.post(f"/review/wishes/{wishes[0].id}/bundle-with/{wishes[1].id}")
    db.session.expire_all()
    assert (
        db.session.get(Wish, wishes[0].id).bundle_id == db.session.get(Wish, wishes[1].id).bundle_id
    )


def test_bad_review_requests(client, auth, db, people):
    wishes = _seed(people, DARK)
    auth.login("sam@vendor.test")
    assert client.post("/review/bundles/999/accept").status_code == 404
    assert client.get("/review/bundles/999").status_code == 404
    assert client.post("/review/decisions/999/undo").status_code == 404
    decision = bundle_service.bundle_wishes(people["csm"], [wishes[0].id, wishes[1].id])
    bad_title = client.post(
        f"/review/bundles/{decision.bundle_id}/edit", data={"title": ""}, follow_redirects=True
    )
    assert b"needs a title" in bad_title.data
    self_merge = client.post(
        f"/review/bundles/{decision.bundle_id}/merge",
        data={"bundle_id": decision.bundle_id},
        follow_redirects=True,
    )
    assert b"two different bundles" in self_merge.data
    assert client.get("/review/?show=everything").status_code == 400
    assert client.get("/review/?page=x").status_code == 400
    assert _count(db, BundleDecision) == 1


# --- commands -----------------------------------------------------------------------------


def test_cluster_command(runner, db, people):
    _seed(people, DARK + OTHER)
    result = runner.invoke(args=["cluster"])
    assert result.exit_code == 0, result.output
    assert "Looked at 6 wishes" in result.output
    assert _count(db, Bundle) == 1
