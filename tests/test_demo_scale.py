"""The large demo (`flask demo --scale N --votes M`): counts, logins, the app's rules, refusals."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from wishlist import demo_layout
from wishlist.extensions import db as _db
from wishlist.models import (
    Account,
    AccountFlag,
    Bundle,
    BundleState,
    BundleStatusChange,
    Comment,
    Follow,
    Role,
    StatusChange,
    User,
    Vote,
    Wish,
    WishStatus,
)
from wishlist.services import counters, matching

from . import factories

SCALE = ["demo", "--scale", "300", "--votes", "1500"]
DEMO_LOGINS = {
    "customer@demo.test": Role.CUSTOMER,
    "csm@demo.test": Role.CSM,
    "pm@demo.test": Role.PM,
    "admin@demo.test": Role.ADMIN,
}


def rows(model: type) -> int:
    """How many rows of a table are stored, as the command left them."""
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model)) or 0


def everything() -> dict[str, int]:
    """Row counts of the tables the demo writes."""
    return {
        m.__name__: rows(m)
        for m in (Account, User, Wish, Vote, Follow, Comment, StatusChange, Bundle, AccountFlag)
    }


def reported(output: str) -> dict[str, int]:
    """The counts the command says it loaded."""
    line = next(x for x in output.splitlines() if x.startswith("Demo data loaded: "))
    parts = line.removeprefix("Demo data loaded: ").rstrip(".").split(", ")
    return {name: int(n) for n, name in (part.split(" ", 1) for part in parts)}


@pytest.fixture
def built(runner):
    """The command's result after building the small scale demo."""
    result = runner.invoke(args=SCALE)
    assert result.exit_code == 0, result.output
    return result


# --- the pure layout ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wishes", "votes", "cap"), [(300, 1500, 40), (50, 20, 5), (10, 100, 10), (1000, 999, 3)]
)
def test_votes_are_allocated_exactly_within_the_voters(wishes, votes, cap):
    counts = demo_layout.allocate_votes(wishes, votes, cap, seed=7)
    assert int(counts.sum()) == votes
    assert int(counts.max()) <= cap
    if votes >= wishes:
        assert int(counts.min()) >= 1  # every wish has its author's vote


def test_popularity_is_skewed():
    counts = demo_layout.allocate_votes(10_000, 100_000, 5_000, seed=7)
    assert int(counts.max()) > 20 * 10  # a few wishes get far more than the mean
    assert float((counts <= 5).mean()) > 0.4  # many get a handful


def test_layout_is_deterministic_and_keeps_the_status_rule():
    plan = demo_layout.plan_scale(2_000, 10_000, seed=3)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    first, second = demo_layout.lay_out(plan, now), demo_layout.lay_out(plan, now)
    assert first.titles == second.titles and first.status == second.status
    assert first.titles != demo_layout.lay_out(demo_layout.plan_scale(2_000, 10_000, 4), now).titles
    for bundle in first.bundles:
        governed = [w for w in bundle.members if bundle.governs(w)]
        assert all(first.status[w] == bundle.status for w in governed)
        if bundle.steps:
            assert bundle.steps[-1][1] == bundle.status
            assert bundle.steps[0][2] >= max(first.created[w] for w in governed)
        assert bundle.status == "new" or bundle.confirmed
    assert all(when <= now for when in first.created)


def test_people_have_unique_emails_and_the_demo_logins():
    plan = demo_layout.plan_scale(5_000, None, seed=1)
    rng = random.Random(1)
    specs = demo_layout.accounts(plan, rng, datetime(2026, 12, 1, tzinfo=UTC))
    staff, customers = demo_layout.people(plan, rng, [a.domain for a in specs])
    emails = [p.email for p in staff + customers]
    assert len(emails) == len(set(emails))
    assert len({a.name for a in specs}) == len({a.domain for a in specs}) == plan.accounts
    assert customers[0].email == "customer@demo.test" and customers[0].account == 0
    assert {"admin@demo.test", "csm@demo.test", "pm@demo.test"} <= set(emails)
    assert all(e.isascii() for e in emails)


# --- the command -------------------------------------------------------------------------------


def test_builds_the_requested_counts(built):
    stored = everything()
    assert (stored["Wish"], stored["Vote"]) == (300, 1500)
    # Voters follow what they vote on.
    assert stored["Follow"] == 1500
    said = reported(built.output)
    assert said["wishes"] == 300 and said["votes"] == 1500
    assert said["accounts"] == stored["Account"] >= 10
    assert said["users"] == stored["User"] > said["accounts"]
    assert said["comments"] == stored["Comment"] > 0
    assert said["status changes"] == stored["StatusChange"] > 300
    assert said["confirmed bundles"] > 0 and said["suggested bundles"] > 0
    assert said["confirmed bundles"] + said["suggested bundles"] == stored["Bundle"]
    assert said["risk flags"] == stored["AccountFlag"]
    assert "customer@demo.test" in built.output
    # Progress goes to stderr, one line per phase.
    assert "accounts and people" in built.stderr and "wishes: 300 of 300" in built.stderr


def test_accounts_have_arr_tiers_segments_and_several_users(built):
    accounts = _db.session.scalars(select(Account)).all()
    assert all(a.arr > 0 and a.tier and a.owner_id for a in accounts)
    assert all({"region", "industry"} <= set(a.segments) for a in accounts)
    keys = set().union(*(a.segments for a in accounts))
    assert {"platform", "regulation", "region"} <= keys
    seats = _db.session.execute(
        select(User.account_id, func.count())
        .where(User.account_id.is_not(None))
        .group_by(User.account_id)
    ).all()
    assert len(seats) == len(accounts)
    assert sum(n for _, n in seats) / len(seats) >= 2


@pytest.mark.parametrize(("email", "role"), DEMO_LOGINS.items())
def test_demo_logins_work(built, client, auth, email, role):
    response = auth.login(email, "demo-password")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    user = _db.session.scalar(select(User).where(User.email == email))
    assert user.role == role


def test_customer_belongs_to_demo_corp_and_sees_the_forum(built, client, auth):
    auth.login("customer@demo.test", "demo-password")
    customer = _db.session.scalar(select(User).where(User.email == "customer@demo.test"))
    assert customer.account.name == "Demo Corp"
    page = client.get("/")
    assert page.status_code == 200
    top = _db.session.scalar(select(Wish).order_by(Wish.id))
    assert client.get(f"/wishes/{top.id}").status_code == 200


def test_every_user_has_their_own_session_token(built):
    tokens = _db.session.scalars(select(User.session_token)).all()
    assert len(tokens) == len(set(tokens)) and all(len(t) >= 32 for t in tokens)


def test_one_vote_per_user_and_wish_counted_for_the_voters_account(built):
    repeated = _db.session.execute(
        select(Vote.user_id, Vote.wish_id)
        .group_by(Vote.user_id, Vote.wish_id)
        .having(func.count() > 1)
    ).all()
    assert repeated == []
    assert rows(Vote) == _db.session.scalar(select(func.count()).where(Vote.user_id.is_not(None)))
    mismatched = _db.session.scalar(
        select(func.count())
        .select_from(Vote)
        .join(User, User.id == Vote.user_id)
        .where(Vote.account_id.is_distinct_from(User.account_id))
    )
    assert mismatched == 0
    # Only customers vote, and every wish's author voted for it first.
    voters = _db.session.scalars(select(User.role).join(Vote, Vote.user_id == User.id).distinct())
    assert set(voters) == {Role.CUSTOMER}
    unvoted = _db.session.scalar(
        select(func.count())
        .select_from(Wish)
        .outerjoin(Vote, (Vote.wish_id == Wish.id) & (Vote.user_id == Wish.author_id))
        .where(Vote.id.is_(None))
    )
    assert unvoted == 0


def test_bundle_and_wish_statuses_are_coherent(built):
    bundles = _db.session.scalars(select(Bundle)).all()
    for bundle in bundles:
        live = [w for w in bundle.wishes if not w.is_withdrawn]
        governed = [w for w in live if w.bundle_state == BundleState.CONFIRMED]
        if bundle.confirmed:
            assert governed
            assert {(w.status, w.status_reason) for w in governed} == {
                (bundle.status, bundle.status_reason)
            }
        else:
            assert bundle.status == WishStatus.NEW
            assert all(w.bundle_state == BundleState.SUGGESTED for w in bundle.wishes)
        history = _db.session.scalars(
            select(BundleStatusChange)
            .where(BundleStatusChange.bundle_id == bundle.id)
            .order_by(BundleStatusChange.created_at, BundleStatusChange.id)
        ).all()
        assert (history[-1].to_status if history else WishStatus.NEW) == bundle.status
    statuses = {b.status for b in bundles if b.confirmed}
    assert {WishStatus.NEW, WishStatus.PLANNED, WishStatus.SHIPPED} <= statuses
    # Every wish's history ends where it stands, and declining gave a public reason.
    for wish in _db.session.scalars(select(Wish)):
        assert wish.status_changes[0].from_status is None
        assert wish.status_changes[-1].to_status == wish.status
        assert (wish.status == WishStatus.DECLINED) == bool(wish.status_reason)
        assert wish.created_at <= wish.updated_at


def test_flags_are_on_confirmed_bundles_for_accounts_that_ask(built):
    for flag in _db.session.scalars(select(AccountFlag)):
        assert flag.bundle.confirmed
        asked = _db.session.scalar(
            select(func.count())
            .select_from(Vote)
            .join(Wish, Wish.id == Vote.wish_id)
            .where(Wish.bundle_id == flag.bundle_id, Vote.account_id == flag.account_id)
        )
        assert asked > 0


def test_wish_counters_match_the_rows(built):
    assert counters.check() == []
    assert _db.session.scalar(select(func.max(Wish.vote_count))) > 5


def test_same_seed_same_data_other_seed_other_data(runner):
    def fingerprint() -> tuple:
        _db.session.rollback()
        wishes = _db.session.execute(
            select(Wish.id, Wish.title, Wish.status, Wish.bundle_id, Wish.created_at).order_by(
                Wish.id
            )
        ).all()
        votes = _db.session.execute(
            select(Vote.user_id, Vote.wish_id, Vote.importance).order_by(Vote.user_id, Vote.wish_id)
        ).all()
        emails = _db.session.scalars(select(User.email).order_by(User.id)).all()
        return tuple(wishes), tuple(votes), tuple(emails)

    assert runner.invoke(args=[*SCALE, "--seed", "11"]).exit_code == 0
    first = fingerprint()
    assert runner.invoke(args=[*SCALE, "--seed", "11", "--reset"]).exit_code == 0
    assert fingerprint() == first
    assert runner.invoke(args=[*SCALE, "--seed", "12", "--reset"]).exit_code == 0
    assert fingerprint() != first


def test_refuses_a_database_with_data_unless_reset(runner, people):
    factories.make_wish(people["customer"], "Keep me")
    before = everything()
    result = runner.invoke(args=SCALE)
    assert result.exit_code != 0
    assert "already has data" in result.output and "--reset" in result.output
    assert everything() == before

    result = runner.invoke(args=[*SCALE, "--reset"])
    assert result.exit_code == 0, result.output
    assert rows(Wish) == 300
    assert _db.session.scalar(select(User).where(User.email == "carol@acme.test")) is None


def test_if_empty_leaves_existing_data(runner, people):
    before = everything()
    result = runner.invoke(args=[*SCALE, "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert everything() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "0"], "'--scale': 0 is not in the range x>=1"),
        (["--scale", "-5"], "'--scale': -5 is not in the range x>=1"),
        (["--scale", "10", "--votes", "-1"], "'--votes': -1 is not in the range x>=0"),
        (["--scale", "10", "--votes", "100000"], "votes at most"),
        (["--scale", "ten"], "'ten' is not a valid integer"),
        (["--votes", "10"], "--votes and --seed go with --scale"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(runner, args, message):
    result = runner.invoke(args=["demo", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert all(n == 0 for n in everything().values())


def test_too_many_votes_names_the_limit(runner):
    result = runner.invoke(args=["demo", "--scale", "10", "--votes", "100000"])
    assert result.exit_code == 2
    assert "customers can vote once on each of 10 wishes" in result.output


def test_a_saved_duplicate_index_is_discarded_and_refits(app, runner):
    saved = Path(app.instance_path) / "dedupe-index.joblib"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_bytes(b"an index of other wishes")
    result = runner.invoke(args=SCALE)
    assert result.exit_code == 0, result.output
    assert not saved.exists()
    found = matching.similar_wishes("Export invoices to CSV", limit=3)
    assert found and all(s.wish.id <= 300 for s in found)
