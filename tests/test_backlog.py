"""The ranked backlog: the same ranks and scores as the value ranking, filters, sorts, cache."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from wishlist.extensions import db as _db
from wishlist.models import (
    Account,
    Bundle,
    FlagKind,
    Importance,
    RankingChange,
    Role,
    Vote,
    Wish,
    WishStatus,
)
from wishlist.services import ServiceError, ranking_changes, value
from wishlist.services import backlog as backlog_service
from wishlist.services import bundles as bundle_service
from wishlist.services import imports as import_service
from wishlist.services import wishes as wish_service
from wishlist.services.backlog import (
    EXPORT_COLUMNS,
    SORT_COLUMNS,
    BacklogFilter,
    BacklogRow,
    backlog,
    filter_to_args,
    parse_backlog_filter,
)

from . import factories

FORMULA_TITLE = "=cmd|' /C calc'!A0"


def build_scenario(people: dict) -> dict:
    """Four backlog bundles (one off strategy), one emptied bundle, one lone wish.

    Accounts: Acme (200,000, enterprise, emea + salesforce), Globex (50,000, smb, apac),
    Initech (80,000, enterprise, emea) and Hooli (10,000, smb, no segments).
    """
    pm, csm = people["pm"], people["csm"]
    acme, globex = people["acme"], people["globex"]
    acme.arr, acme.tier = Decimal("200000"), "Enterprise"
    acme.segments = {"region": "emea", "platform": "salesforce"}
    globex.arr, globex.tier, globex.segments = Decimal("50000"), "SMB", {"region": "apac"}
    initech = factories.make_account("Initech", "initech.test")
    initech.arr, initech.tier, initech.segments = Decimal("80000"), "Enterprise", {"region": "emea"}
    hooli = factories.make_account("Hooli", "hooli.test")
    hooli.arr, hooli.tier = Decimal("10000"), "SMB"
    _db.session.commit()
    carol, oscar = people["customer"], people["other"]
    ines = factories.make_user(Role.CUSTOMER, initech, name="Ines")
    hank = factories.make_user(Role.CUSTOMER, hooli, name="Hank")
    reporting = people["area"]
    billing = factories.make_area("Billing")
    dark = value.save_theme(pm, None, "Dark interfaces", "Dark mode and night themes.")
    integrations = value.save_theme(pm, None, "Integrations", "CRM and ERP connectors.")

    a = factories.make_wish(carol, "Dark mode", area=reporting, importance="critical")
    b = factories.make_wish(oscar, "Night theme", importance="important")
    dark_id = bundle_service.bundle_wishes(csm, [a.id, b.id], title="Dark mode").bundle_id
    value.screen_bundle(pm, dark_id, 4, dark.id)

    c = factories.make_wish(ines, "Salesforce sync", area=billing, importance="nice")
    d = factories.make_wish(carol, "Sync contacts with Salesforce", importance="nice")
    wish_service.cast_vote(hank, c.id, "important")
    sync_id = bundle_service.bundle_wishes(csm, [c.id, d.id], title="Salesforce sync").bundle_id
    value.screen_bundle(pm, sync_id, 5, integrations.id)

    e = factories.make_wish(oscar, "Invoice in PDF", area=billing, importance="nice")
    f = factories.make_wish(hank, "Printable invoices", importance="nice")
    formula_id = bundle_service.bundle_wishes(csm, [e.id, f.id], title=FORMULA_TITLE).bundle_id
    bundle = _db.session.get(Bundle, formula_id)
    bundle.status = WishStatus.PLANNED
    bundle.description = "Customers | finance\nwant PDFs"
    _db.session.commit()

    g = factories.make_wish(hank, "Blockchain everything", importance="critical")
    off_id = bundle_service.move_wish(csm, g.id, None).bundle_id
    value.screen_bundle(pm, off_id, 0, None)

    h = factories.make_wish(oscar, "Old idea", importance="critical")
    i = factories.make_wish(hank, "Old idea again", importance="critical")
    empty_id = bundle_service.bundle_wishes(csm, [h.id, i.id]).bundle_id
    wish_service.withdraw_wish(oscar, h.id)
    wish_service.withdraw_wish(hank, i.id)

    lone = factories.make_wish(ines, "A wish on its own", importance="critical")
    return {
        **people,
        "initech": initech,
        "hooli": hooli,
        "ines": ines,
        "hank": hank,
        "billing": billing,
        "dark": dark_id,
        "sync": sync_id,
        "formula": formula_id,
        "off": off_id,
        "empty": empty_id,
        "lone": lone,
        "lone_key": value.lone_key(lone.id),
        "wish_c": c,
    }


@pytest.fixture
def scenario(people):
    """The backlog scenario (see build_scenario)."""
    return build_scenario(people)


def ids(rows: list[BacklogRow]) -> list[int]:
    """Ranking keys of rows in order: bundle ids, and a lone wish's id negated."""
    return [r.key for r in rows]


def test_backlog_ranks_and_scores_equal_the_value_ranking(db, scenario):
    rows = backlog(BacklogFilter())
    live = [scenario["dark"], scenario["sync"], scenario["formula"], scenario["lone_key"]]
    ranked = value.ranking(bundle_ids=live)
    assert ids(rows) == [r.bundle_id for r in ranked]
    assert [r.rank for r in rows] == [r.rank for r in ranked] == [1, 2, 3, 4]
    for row, item in zip(rows, ranked, strict=True):
        assert row.score == round(item.score, 1)
        assert row.score_result.score == item.score
        assert row.revenue_at_risk == item.result.revenue_at_risk
        assert row.customer_count == item.result.customer_count
    # Off strategy or all wishes withdrawn: not in the backlog.
    assert {scenario["off"], scenario["empty"]}.isdisjoint(ids(rows))


def test_a_wish_in_no_bundle_is_ranked_as_a_bundle_of_one(db, scenario):
    lone = scenario["lone"]
    assert lone.bundle_id is None
    rows = backlog(BacklogFilter(), base_url="https://wl.example/")
    row = next(r for r in rows if r.wish_id == lone.id)
    assert row.bundle_id is None and row.key == -lone.id and row.label == f"Wish #{lone.id}"
    assert (row.title, row.status, row.wish_count) == (lone.title, WishStatus.NEW, 1)
    # Initech's critical need has its own score: 1 account, 80,000 ARR at critical weight.
    assert row.customer_count == 1 and row.revenue_at_risk == Decimal("40000.0")
    assert row.score > 0 and row.unscreened and row.top_accounts == ["Initech"]
    assert row.url == f"https://wl.example/value/wishes/{lone.id}"
    # A bundle with the same facts would score the same: one scoring path.
    assert row.score_result.score == value.score(row.key).score
    # Withdrawn, it leaves the backlog; bundled, it is ranked with its bundle instead.
    wish_service.withdraw_wish(scenario["ines"], lone.id)
    assert all(r.wish_id != lone.id for r in backlog(BacklogFilter()))


def test_a_lone_wish_leaves_the_singles_when_bundled(db, scenario):
    lone = scenario["lone"]
    bundle_id = bundle_service.make_bundle_of_one(scenario["csm"], lone.id).bundle_id
    rows = backlog(BacklogFilter())
    assert all(r.wish_id is None for r in rows)
    row = next(r for r in rows if r.bundle_id == bundle_id)
    assert row.title == lone.title and row.customer_count == 1
    with pytest.raises(ServiceError, match="already in bundle"):
        bundle_service.make_bundle_of_one(scenario["csm"], lone.id)


def test_one_set_of_facts_counts_votes_once_and_staff_not_at_all(db, scenario):
    wish_service.vote_for(
        scenario["csm"], scenario["wish_c"].id, scenario["globex"].id, None, "nice"
    )
    wish_service.cast_vote(scenario["csm"], scenario["wish_c"].id, "critical")  # no account
    value.flag_account(
        scenario["csm"], scenario["sync"], scenario["acme"].id, FlagKind.DEAL_BLOCKER
    )
    gathered = value.gather_facts()
    assert set(gathered.scoring) == {
        scenario["dark"],
        scenario["sync"],
        scenario["formula"],
        scenario["off"],
        scenario["lone_key"],
    }
    for facts in gathered.scoring.values():
        assert all(r.account_id is not None for r in facts.requests)
    assert [f.account_id for f in gathered.scoring[scenario["sync"]].flags] == [scenario["acme"].id]
    stats = bundle_service.bundle_stats([k for k in gathered.scoring if k > 0])
    for bundle_id in stats:
        assert gathered.wish_count[bundle_id] == stats[bundle_id].wishes
        assert gathered.vote_count.get(bundle_id, 0) == stats[bundle_id].votes
    # The value pages read the same facts: one bundle's score equals its backlog row's.
    row = next(r for r in backlog(BacklogFilter()) if r.bundle_id == scenario["sync"])
    assert value.score(scenario["sync"]).score == row.score_result.score


def test_row_fields(db, scenario):
    rows = {r.bundle_id: r for r in backlog(BacklogFilter(), base_url="https://wl.example/")}
    sync = rows[scenario["sync"]]
    assert [f for f in BacklogRow.__dataclass_fields__][: len(EXPORT_COLUMNS)] == list(
        EXPORT_COLUMNS
    )
    assert (sync.customer_count, sync.user_count) == (3, 3)
    assert sync.theme == "Integrations" and sync.strategic_fit == 5
    assert sync.status is WishStatus.NEW and sync.confirmed
    assert (sync.wish_count, sync.vote_count) == (2, 3)
    # Top accounts: ARR descending.
    assert sync.top_accounts == ["Acme Corp", "Initech", "Hooli"]
    assert sync.product_areas == ["Billing"]
    assert sync.url == f"https://wl.example/value/bundles/{scenario['sync']}"
    assert isinstance(sync.revenue_at_risk, Decimal) and isinstance(sync.reach_arr, Decimal)
    formula = rows[scenario["formula"]]
    assert formula.strategic_fit is None and formula.unscreened and formula.theme == ""
    assert formula.status is WishStatus.PLANNED


def test_default_url_follows_the_request(app, db, scenario):
    assert backlog(BacklogFilter())[0].url.startswith("http://localhost/value/bundles/")
    with app.test_request_context("/", base_url="https://wishes.example.com/app"):
        url = backlog(BacklogFilter())[0].url
    assert url.startswith("https://wishes.example.com/app/value/bundles/")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"status": ["planned"]}, ["formula"]),
        ({"status": ["new", "planned"]}, ["sync", "dark", "formula", "lone_key"]),
        ({"theme": ["dark INTERFACES"]}, ["dark"]),
        ({"area": "billing"}, ["sync", "formula"]),
        ({"tier": ["enterprise"]}, ["sync", "dark", "lone_key"]),
        ({"segment": ["platform=salesforce"]}, ["sync", "dark"]),
        ({"segment": ["region=apac"], "status": ["new"]}, ["dark"]),
        ({"q": "PDF"}, ["formula"]),
        ({"q": "contacts salesforce"}, ["sync"]),
        ({"off_strategy": "1"}, ["sync", "dark", "formula", "lone_key", "off"]),
    ],
)
def test_filters(db, scenario, args, expected):
    if args.get("area") == "billing":
        args = {"area": [str(scenario["billing"].id)]}
    rows = backlog(parse_backlog_filter(args))
    by_score = ids(backlog(BacklogFilter(include_off_strategy=True)))
    wanted = [scenario[name] for name in expected]
    assert ids(rows) == sorted(wanted, key=by_score.index)
    # Ranks are positions in the filtered score order.
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))


def test_min_score_compares_the_shown_score(db, scenario):
    rows = backlog(BacklogFilter())
    cut = rows[1].score
    kept = backlog(BacklogFilter(min_score=cut))
    assert ids(kept) == ids(rows[:2])
    assert all(r.score >= cut for r in kept)


def test_sorts(db, scenario):
    by_rank = backlog(BacklogFilter())
    by_title = backlog(BacklogFilter(sort="title"))
    assert [r.title for r in by_title] == sorted((r.title for r in by_rank), key=str.casefold)
    assert ids(backlog(BacklogFilter(sort="rank", descending=True))) == ids(by_rank)[::-1]
    revenue = backlog(BacklogFilter(sort="revenue_at_risk"))
    assert [r.revenue_at_risk for r in revenue] == sorted(
        (r.revenue_at_risk for r in by_rank), reverse=True
    )
    revenue_up = backlog(BacklogFilter(sort="revenue_at_risk", descending=False))
    assert [r.revenue_at_risk for r in revenue_up] == sorted(r.revenue_at_risk for r in by_rank)
    fit = backlog(BacklogFilter(sort="strategic_fit"))
    assert [r.strategic_fit for r in fit] == [5, 4, None, None]  # unscreened last either way
    assert [
        r.strategic_fit for r in backlog(BacklogFilter(sort="strategic_fit", descending=False))
    ] == [4, 5, None, None]
    theme = backlog(BacklogFilter(sort="theme"))
    assert [r.theme for r in theme] == ["Dark interfaces", "Integrations", "", ""]
    # Ranks stay with their bundles whatever the order.
    assert {r.key: r.rank for r in theme} == {r.key: r.rank for r in by_rank}
    for column in SORT_COLUMNS:
        assert len(backlog(BacklogFilter(sort=column))) == 4


def test_parse_filter_and_back():
    args = MultiDict(
        [
            ("status", "planned"),
            ("status", "under_review"),
            ("theme", "Integrations"),
            ("area", "3"),
            ("tier", "SMB"),
            ("segment", "region = emea"),
            ("q", "  dark   mode "),
            ("min_score", "42.5"),
            ("off_strategy", "1"),
            ("sort", "revenue_at_risk"),
            ("dir", "asc"),
        ]
    )
    f = parse_backlog_filter(args)
    assert f.statuses == [WishStatus.PLANNED, WishStatus.UNDER_REVIEW]
    assert (f.themes, f.area_ids, f.tiers, f.segments) == (
        ["Integrations"],
        [3],
        ["SMB"],
        ["region=emea"],
    )
    assert (f.q, f.min_score, f.include_off_strategy) == ("dark mode", 42.5, True)
    assert (f.sort, f.descending, f.is_descending) == ("revenue_at_risk", False, False)
    assert parse_backlog_filter(MultiDict(filter_to_args(f))) == f
    assert parse_backlog_filter(filter_to_args(f)) == f
    default = parse_backlog_filter({"status": [""], "min_score": [""]})
    assert default == BacklogFilter() and filter_to_args(default) == []
    assert BacklogFilter(sort="score").is_descending and not BacklogFilter().is_descending


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"status": ["done"]}, "Unknown status"),
        ({"area": ["reporting"]}, "Product area"),
        ({"segment": ["emea"]}, "key=value"),
        ({"min_score": ["high"]}, "must be a number"),
        ({"min_score": ["101"]}, "between 0 and 100"),
        ({"min_score": ["nan"]}, "between 0 and 100"),
        ({"off_strategy": ["maybe"]}, "off_strategy"),
        ({"sort": ["votes"]}, "Cannot sort"),
        ({"dir": ["up"]}, "asc or desc"),
        ({"q": ["x" * 201]}, "at most 200"),
    ],
)
def test_bad_filter_values(args, message):
    with pytest.raises(ServiceError, match=message):
        parse_backlog_filter(args)


def test_cache_follows_every_change_that_moves_a_score(db, scenario):
    def score_of(bundle_id: int) -> float:
        row = next(r for r in backlog(BacklogFilter()) if r.bundle_id == bundle_id)
        return row.score_result.score

    sync = scenario["sync"]
    # A new account grows the book of business every score is scaled against.
    newcomer = factories.make_account("Umbrella", "umbrella.test")
    newcomer.arr = Decimal("900000")
    _db.session.commit()
    first = score_of(sync)
    assert score_of(sync) == first  # served from the cache
    voter = factories.make_user(Role.CUSTOMER, newcomer)
    wish_service.cast_vote(voter, scenario["wish_c"].id, "nice")
    after_vote = score_of(sync)
    assert after_vote > first
    wish_service.cast_vote(voter, scenario["wish_c"].id, "critical")  # importance only
    after_importance = score_of(sync)
    assert after_importance > after_vote
    wish_service.remove_vote(voter, scenario["wish_c"].id)
    assert score_of(sync) == pytest.approx(first)
    value.flag_account(scenario["csm"], sync, scenario["hooli"].id, FlagKind.CHURN_RISK)
    flagged = score_of(sync)
    assert flagged > first
    # Changing a flag's amount in place keeps its row count and id.
    value.flag_account(
        scenario["csm"], sync, scenario["hooli"].id, FlagKind.CHURN_RISK, Decimal("1")
    )
    assert score_of(sync) < flagged
    scenario["hooli"].arr = Decimal("5000000")  # accounts have no updated_at
    _db.session.commit()
    assert score_of(sync) > flagged
    value.screen_bundle(scenario["pm"], sync, 1, None)
    row = next(r for r in backlog(BacklogFilter()) if r.bundle_id == sync)
    assert row.strategic_fit == 1 and row.theme == ""
    config = value.parse_config({"weight_customers": "1", "weight_revenue": "0", "weight_fit": "0"})
    value.save_scoring_config(scenario["pm"], config)
    assert backlog(BacklogFilter())[0].score_result.score == pytest.approx(value.ranking()[0].score)


def test_a_new_bundle_and_a_rename_show_up(db, scenario):
    wish = factories.make_wish(scenario["ines"], "Audit log export", importance="critical")
    bundle_service.move_wish(scenario["csm"], wish.id, None)
    assert "Audit log export" in [r.title for r in backlog(BacklogFilter())]
    bundle_service.edit_bundle(scenario["csm"], scenario["dark"], "Dark theme everywhere", "")
    assert "Dark theme everywhere" in [r.title for r in backlog(BacklogFilter(q="everywhere"))]


def test_changes_by_other_processes_show_once_the_check_is_due(app, db, scenario):
    app.config["BACKLOG_FINGERPRINT_MAX_AGE"] = 3600
    sync = scenario["sync"]

    def revenue() -> Decimal:
        return next(r for r in backlog(BacklogFilter()) if r.bundle_id == sync).revenue_at_risk

    before = revenue()
    # Another worker's write: its own connection, none of this process's session events
    # (that worker's events move the ranking generation, as here).
    with _db.engine.begin() as conn:
        conn.execute(
            Account.__table__.update()
            .where(Account.__table__.c.id == scenario["hooli"].id)
            .values(arr=Decimal("990000"))
        )
        ranking_changes.bump_generation(conn)
    assert revenue() == before  # this process checked a moment ago
    app.config["BACKLOG_FINGERPRINT_MAX_AGE"] = 0
    assert revenue() > before


def _fresh_ranking() -> list[tuple[int, float, str, str, int, int]]:
    """The ranking built from scratch: key, score, title, status, wishes and votes per row."""
    backlog_service.clear_cache()
    return _snapshot()


def _snapshot() -> list[tuple[int, float, str, str, int, int]]:
    """The cached ranking's rows, as plain values."""
    return [
        (r.key, r.score_result.score, r.title, r.status.value, r.wish_count, r.vote_count)
        for r in backlog(BacklogFilter(include_off_strategy=True))
    ]


def test_the_cache_rescores_only_what_changed_and_equals_a_fresh_ranking(
    app, db, scenario, monkeypatch
):
    """Forty random writes: after each the cached ranking equals one built from scratch,
    and none of the writes (votes, moves, flags, statuses, screening) rebuilt it in full."""
    app.config["BACKLOG_FINGERPRINT_MAX_AGE"] = 0
    builds = []
    real_build = backlog_service._build
    monkeypatch.setattr(backlog_service, "_build", lambda *a: builds.append(1) or real_build(*a))
    rng = random.Random(7)
    customers = [scenario[n] for n in ("customer", "other", "ines", "hank")]
    csm, pm = scenario["csm"], scenario["pm"]
    backlog(BacklogFilter())
    assert builds == [1]

    def live_wishes() -> list[Wish]:
        return list(_db.session.scalars(select(Wish).where(Wish.withdrawn_at.is_(None))))

    def step(n: int) -> None:
        wish = rng.choice(live_wishes())
        action = rng.randrange(8)
        if action == 0:
            wish_service.cast_vote(rng.choice(customers), wish.id, rng.choice(list(Importance)))
        elif action == 1:
            wish_service.remove_vote(rng.choice(customers), wish.id)
        elif action == 2:
            factories.make_wish(rng.choice(customers), f"Fresh idea {n}", importance="critical")
        elif action == 3 and wish.bundle_id is not None:
            bundle_service.move_wish(csm, wish.id, None)
        elif action == 4 and wish.bundle_id is not None:
            value.flag_account(csm, wish.bundle_id, scenario["acme"].id, FlagKind.CHURN_RISK)
        elif action == 5 and wish.bundle_id is not None:
            value.screen_bundle(pm, wish.bundle_id, rng.randint(1, 5), None)
        elif action == 6 and wish.bundle_id is None:
            others = [w for w in live_wishes() if w.bundle_id is not None]
            if others:
                bundle_service.move_wish(csm, wish.id, rng.choice(others).bundle_id)
        elif action == 7 and wish.author_id is not None:
            wish_service.withdraw_wish(wish.author, wish.id)

    for n in range(40):
        try:
            step(n)
        except ServiceError:
            _db.session.rollback()  # a refused action (e.g. a flag on a non-asking account)
        cached = _snapshot()
        assert builds == [1], f"step {n} rebuilt the whole ranking"
        assert cached == _fresh_ranking(), f"step {n}"
        builds.clear()
        backlog(BacklogFilter())  # the fresh build above is this test's, not the write's
        builds.clear()
        builds.append(1)


def test_a_bulk_write_rebuilds_the_ranking(app, db, scenario, monkeypatch):
    app.config["BACKLOG_FINGERPRINT_MAX_AGE"] = 0
    backlog(BacklogFilter())
    builds = []
    real_build = backlog_service._build
    monkeypatch.setattr(backlog_service, "_build", lambda *a: builds.append(1) or real_build(*a))
    csv = "title,account,importance\nBulk wish,Globex,critical\n"
    import_service.import_wishes(io.StringIO(csv), scenario["admin"], rebundle=False)
    titles = [r.title for r in backlog(BacklogFilter())]
    assert "Bulk wish" in titles and builds == [1]


def test_a_change_committed_late_is_still_applied(app, db, scenario):
    """On PostgreSQL a journal row can commit after a newer one: it is applied when it shows."""
    app.config["BACKLOG_FINGERPRINT_MAX_AGE"] = 0
    sync = scenario["sync"]
    before = next(r for r in backlog(BacklogFilter()) if r.bundle_id == sync).customer_count
    newest = _db.session.scalar(select(func.max(RankingChange.id))) or 0
    # Another worker: a vote written with its journal row under an id below a newer row.
    with _db.engine.begin() as conn:
        conn.execute(
            RankingChange.__table__.insert().values(id=newest + 5, bundle_id=None, wish_id=None)
        )
    backlog(BacklogFilter())  # sees newest + 5 (which names nothing)
    with _db.engine.begin() as conn:
        conn.execute(
            Vote.__table__.insert().values(
                user_id=None,
                account_id=scenario["globex"].id,
                wish_id=scenario["wish_c"].id,
                importance="critical",
                created_at=datetime.now(UTC),
                updated_at=datetime.now(UTC),
            )
        )
        conn.execute(
            RankingChange.__table__.insert().values(
                id=newest + 2, wish_id=scenario["wish_c"].id, created_at=datetime.now(UTC)
            )
        )
    after = next(r for r in backlog(BacklogFilter()) if r.bundle_id == sync)
    assert after.customer_count == before + 1  # Globex now asks for the sync bundle too
    fresh = _fresh_ranking()
    assert _snapshot() == fresh


def test_a_worker_scores_the_ranking_after_its_first_request(app, client, auth, db, scenario):
    """With WARM_RANKING the first request starts a background build; later ones do not."""
    import threading
    import time

    app.config["WARM_RANKING"] = True
    assert backlog_service._CACHE_KEY not in app.extensions
    auth.login(scenario["customer"].email)
    client.get("/")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(
        t.name == "warm-ranking" for t in threading.enumerate()
    ):
        time.sleep(0.05)
    store = app.extensions[backlog_service._CACHE_KEY]
    assert len(store["by_config"]) == 1  # built without anyone opening the backlog
    client.get("/")
    assert not any(t.name == "warm-ranking" for t in threading.enumerate())
