"""Scoring core: exposures, reach, fit, normalisation, monotonicity, ranking and config checks."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from decimal import Decimal

import pytest

from wishlist.scoring import (
    AccountFacts,
    BundleFacts,
    BundleScore,
    Component,
    Flag,
    ReachIndex,
    Request,
    ScoringConfig,
    rank_bundles,
    score_bundle,
)

ACCOUNTS = {
    1: AccountFacts(1, "Acme", Decimal(100_000), {"platform": "salesforce", "region": "emea"}),
    2: AccountFacts(2, "Birch", Decimal(200_000), {"platform": "salesforce", "region": "us"}),
    3: AccountFacts(3, "Cyan", Decimal(1_000_000), {"region": "emea"}),
    4: AccountFacts(4, "Delta", Decimal(300_000), {"platform": "hubspot", "region": "us"}),
    5: AccountFacts(5, "Echo", Decimal(70_000)),
}


def component(result: BundleScore, name: str) -> Component:
    """The named component of a result."""
    return next(c for c in result.components if c.name == name)


def test_one_account_on_three_wishes_counts_once_at_its_highest_importance() -> None:
    """Three votes by one account on one bundle: one customer, exposed at critical."""
    bundle = BundleFacts(
        1,
        [Request(4, 40, "nice"), Request(4, 40, "critical"), Request(4, 40, "important")],
    )
    result = score_bundle(bundle, ACCOUNTS, ScoringConfig.default())
    assert result.customer_count == 1
    assert result.user_count == 1
    # 300,000 x 0.5 (critical), counted once.
    assert result.revenue_at_risk == Decimal(150_000)
    [exposure] = result.exposures
    assert exposure.importance == "critical"
    assert exposure.exposure == Decimal(150_000)
    assert exposure.reason == "critical × 0.5"


def test_two_users_of_one_account_are_one_customer_and_two_users() -> None:
    """Customers are distinct accounts, users distinct user ids; unknown users do not count."""
    bundle = BundleFacts(
        1, [Request(1, 10, "nice"), Request(1, 11, "nice"), Request(1, None, "nice")]
    )
    result = score_bundle(bundle, ACCOUNTS, ScoringConfig.default())
    assert (result.customer_count, result.user_count) == (1, 2)
    assert component(result, "customers").note == "1 account, 2 users; scale 20 accounts"


def test_flag_with_amount_exposes_the_amount() -> None:
    """A churn-risk flag with an amount: exposure is the amount, not ARR x importance."""
    bundle = BundleFacts(1, [Request(4, 1, "important")], [Flag(4, "churn_risk", Decimal(150_000))])
    [exposure] = score_bundle(bundle, ACCOUNTS, ScoringConfig()).exposures
    # Unflagged it would be 300,000 x 0.2 = 60,000; the flag says 150,000.
    assert exposure.exposure == Decimal(150_000)
    assert exposure.flag == Flag(4, "churn_risk", Decimal(150_000))
    assert exposure.reason == "flagged churn risk: amount 150,000"


def test_flag_without_amount_exposes_full_arr() -> None:
    """A deal-blocker flag without an amount: exposure is the account's full ARR."""
    bundle = BundleFacts(1, [Request(4, 1, "nice")], [Flag(4, "deal_blocker", None)])
    result = score_bundle(bundle, ACCOUNTS, ScoringConfig())
    assert result.revenue_at_risk == Decimal(300_000)
    assert result.exposures[0].reason == "flagged deal blocker: full ARR"


def test_several_flags_on_one_account_use_the_largest_exposure() -> None:
    """Two flags on one account: 20,000 and full ARR 300,000; the larger counts, not the sum."""
    flags = [Flag(4, "deal_blocker", Decimal(20_000)), Flag(4, "churn_risk", None)]
    result = score_bundle(BundleFacts(1, [Request(4, 1, "nice")], flags), ACCOUNTS)
    assert result.revenue_at_risk == Decimal(300_000)
    assert result.exposures[0].flag == Flag(4, "churn_risk", None)
    assert result.exposures[0].reason == "flagged churn risk: full ARR (largest of 2 flags)"


def test_flag_below_importance_exposure_does_not_lower_it() -> None:
    """A small flag amount never undercuts ARR x importance (300,000 x 0.5 = 150,000)."""
    bundle = BundleFacts(1, [Request(4, 1, "critical")], [Flag(4, "deal_blocker", 10_000)])
    [exposure] = score_bundle(bundle, ACCOUNTS).exposures
    assert exposure.exposure == Decimal(150_000)
    assert exposure.flag == Flag(4, "deal_blocker", Decimal(10_000))
    assert exposure.reason == "critical × 0.5 (above flagged deal blocker: amount 10,000)"


def test_flag_on_an_account_not_asking_is_ignored() -> None:
    """Flags only weigh for accounts that requested or voted; the note says one was ignored."""
    bundle = BundleFacts(1, [Request(1, 1, "nice")], [Flag(4, "churn_risk", None)])
    result = score_bundle(bundle, ACCOUNTS)
    assert result.customer_count == 1
    # 100,000 x 0.05
    assert result.revenue_at_risk == Decimal(5_000)
    assert "1 flag(s) on accounts not asking ignored" in component(result, "revenue").note


def test_unflagged_exposures_with_default_weights_sorted_by_exposure_then_name() -> None:
    """Acme 100,000 x 0.5 = 50,000; Birch 200,000 x 0.2 = 40,000; Cyan 1,000,000 x 0.05."""
    bundle = BundleFacts(
        1, [Request(3, 3, "nice"), Request(2, 2, "important"), Request(1, 1, "critical")]
    )
    result = score_bundle(bundle, ACCOUNTS, ScoringConfig.default())
    # 50,000 + 40,000 + 50,000 = 140,000
    assert result.revenue_at_risk == Decimal(140_000)
    assert [(e.name, e.exposure, e.reason) for e in result.exposures] == [
        ("Acme", Decimal(50_000), "critical × 0.5"),
        ("Cyan", Decimal(50_000), "nice × 0.05"),
        ("Birch", Decimal(40_000), "important × 0.2"),
    ]


def test_custom_importance_weights_change_revenue() -> None:
    """Weights nice 0.1, important 0.3, critical 1: 100,000 + 60,000 + 100,000 = 260,000."""
    config = ScoringConfig(importance_weights={"nice": 0.1, "important": 0.3, "critical": 1})
    bundle = BundleFacts(
        1, [Request(3, 3, "nice"), Request(2, 2, "important"), Request(1, 1, "critical")]
    )
    assert score_bundle(bundle, ACCOUNTS, config).revenue_at_risk == Decimal(260_000)


def test_reach_counts_accounts_sharing_a_segment_and_excludes_requesters() -> None:
    """Acme asks (salesforce, emea): Birch shares salesforce, Cyan emea; Delta and Echo do not."""
    bundle = BundleFacts(1, [Request(1, 1, "nice")])
    result = score_bundle(bundle, ACCOUNTS)
    # Birch 200,000 + Cyan 1,000,000; Acme itself is asking so it is not reach.
    assert (result.reach_accounts, result.reach_arr) == (2, Decimal(1_200_000))
    assert component(result, "reach").contribution == 0.0
    index = ReachIndex(ACCOUNTS)
    assert [a.name for a in index.expected_accounts([1])] == ["Cyan", "Birch"]

    # Once Birch asks too, it leaves reach and brings "us" in: Delta 300,000 joins.
    both = BundleFacts(1, [Request(1, 1, "nice"), Request(2, 2, "nice")])
    result = score_bundle(both, ACCOUNTS, reach_index=index)
    assert (result.reach_accounts, result.reach_arr) == (2, Decimal(1_300_000))

    # Echo has no segments: it reaches nobody and nobody reaches it.
    assert index.reach([5]) == (0, Decimal(0))


def test_reach_weight_counts_when_configured() -> None:
    """With reach weight 1 alone, score = 100 x log1p(1,200,000) / log1p(1,200,000) = 100."""
    config = ScoringConfig(
        weights={"customers": 0, "revenue": 0, "fit": 0, "reach": 1},
        reach_scale=Decimal(1_200_000),
    )
    result = score_bundle(BundleFacts(1, [Request(1, 1, "nice")]), ACCOUNTS, config)
    assert result.score == 100.0
    assert component(result, "reach").normalised == 1.0


def test_hand_computed_score() -> None:
    """One nice Acme vote, fit 3, default weights.

    customers: log1p(1)/log1p(20) = 0.693147/3.044522 = 0.227670 -> 35 x 0.227670 = 7.968459
    revenue:   100,000 x 0.05 = 5,000; log1p(5000)/log1p(1e6) = 8.517393/13.815512 = 0.616509
               -> 45 x 0.616509 = 27.742924
    fit:       3/5 = 0.6 -> 20 x 0.6 = 12
    total      7.968459 + 27.742924 + 12 = 47.711383
    """
    result = score_bundle(BundleFacts(1, [Request(1, 1, "nice")], strategic_fit=3), ACCOUNTS)
    assert component(result, "customers").contribution == pytest.approx(7.968459, abs=1e-6)
    assert component(result, "revenue").contribution == pytest.approx(27.742924, abs=1e-6)
    assert component(result, "fit").contribution == pytest.approx(12.0)
    assert result.score == pytest.approx(47.711383, abs=1e-6)
    assert component(result, "fit").weight == pytest.approx(0.20)


def test_saturated_bundle_scores_100() -> None:
    """20 customers, 1,000,000 at risk, fit 5: every normalised value is 1, score 100."""
    accounts = {n: AccountFacts(n, f"A{n}", Decimal(100_000)) for n in range(1, 21)}
    # 20 x 100,000 x 0.5 = 1,000,000
    bundle = BundleFacts(9, [Request(n, n, "critical") for n in accounts], strategic_fit=5)
    result = score_bundle(bundle, accounts)
    assert result.revenue_at_risk == Decimal(1_000_000)
    assert [c.normalised for c in result.components] == [1.0, 1.0, 1.0, 0.0]
    assert result.score == pytest.approx(100.0)


def test_unscreened_stays_in_backlog_and_says_unscreened() -> None:
    """Fit None: ranked, marked unscreened, fit counts 0 and the note says unscreened."""
    result = score_bundle(BundleFacts(1, [Request(1, 1, "nice")]), ACCOUNTS)
    fit = component(result, "fit")
    assert result.unscreened and not result.off_strategy
    assert fit.raw is None and fit.normalised == 0.0 and fit.contribution == 0.0
    assert fit.note.startswith("unscreened")
    assert "0" not in fit.note


def test_off_strategy_left_out_of_ranking_unless_asked() -> None:
    """Fit 0 is off strategy: out of the default ranking, in with include_off_strategy."""
    bundles = [
        BundleFacts(1, [Request(1, 1, "nice")], strategic_fit=0),
        BundleFacts(2, [Request(1, 1, "nice")], strategic_fit=None),
        BundleFacts(3, [Request(1, 1, "nice")], strategic_fit=3),
    ]
    ranked = rank_bundles(bundles, ACCOUNTS, ScoringConfig())
    assert [r.bundle_id for r in ranked] == [3, 2]
    assert ranked[1].result.unscreened
    everything = rank_bundles(bundles, ACCOUNTS, ScoringConfig(), include_off_strategy=True)
    # Fit 0 and unscreened both add nothing for fit: tied, so the lower id comes first.
    assert [(r.rank, r.bundle_id) for r in everything] == [(1, 3), (2, 1), (3, 2)]
    assert everything[1].result.off_strategy and not everything[1].result.unscreened


def test_ranking_orders_by_score_then_bundle_id() -> None:
    """Identical bundles tie and are ordered by id; a bigger bundle ranks first."""
    same = [Request(2, 2, "important")]
    bundles = [
        BundleFacts(9, same),
        BundleFacts(5, same),
        BundleFacts(7, same + [Request(3, 3, "critical")]),
        BundleFacts(3, same),
    ]
    ranked = rank_bundles(bundles, ACCOUNTS, ScoringConfig())
    assert [(r.rank, r.bundle_id) for r in ranked] == [(1, 7), (2, 3), (3, 5), (4, 9)]
    assert ranked[1].score == ranked[2].score == ranked[3].score


def test_score_does_not_depend_on_the_other_bundles() -> None:
    """A bundle scores the same alone and ranked among others."""
    bundle = BundleFacts(4, [Request(1, 1, "critical"), Request(3, 3, "nice")], strategic_fit=2)
    other = BundleFacts(8, [Request(n, n, "critical") for n in ACCOUNTS], strategic_fit=5)
    alone = score_bundle(bundle, ACCOUNTS).score
    ranked = rank_bundles([other, bundle], ACCOUNTS)
    assert next(r.score for r in ranked if r.bundle_id == 4) == alone


def random_accounts(rng: random.Random, count: int) -> dict[int, AccountFacts]:
    """Accounts with random ARR and a few low-cardinality segments."""
    accounts = {}
    for n in range(1, count + 1):
        segments = {}
        if rng.random() < 0.8:
            segments["platform"] = rng.choice(["salesforce", "hubspot", "sap"])
        if rng.random() < 0.5:
            segments["region"] = rng.choice(["emea", "us", "apac"])
        accounts[n] = AccountFacts(
            n, f"Account {n}", Decimal(rng.randrange(0, 2_000_000)), segments
        )
    return accounts


def random_bundle(rng: random.Random, bundle_id: int, account_ids: list[int]) -> BundleFacts:
    """A bundle with random requests, flags and fit over the given accounts."""
    askers = rng.sample(account_ids, rng.randrange(0, 8))
    requests = [
        Request(a, rng.randrange(1, 1000), rng.choice(["nice", "important", "critical"]))
        for a in askers
        for _ in range(rng.randrange(1, 4))
    ]
    flags = [random_flag(rng, a) for a in askers if rng.random() < 0.3]
    return BundleFacts(bundle_id, requests, flags, rng.choice([None, 0, 1, 2, 3, 4, 5]))


def random_flag(rng: random.Random, account_id: int) -> Flag:
    """A flag of a random kind with a random amount, or none."""
    amount = None if rng.random() < 0.5 else Decimal(rng.randrange(0, 1_500_000))
    return Flag(account_id, rng.choice(["churn_risk", "deal_blocker"]), amount)


def raised(rng: random.Random, bundle: BundleFacts, account_ids: list[int]) -> BundleFacts:
    """The bundle with one thing raised: a new asker, an importance, the fit or a flag."""
    requests = list(bundle.requests)
    askers = sorted({r.account_id for r in requests})
    move = rng.choice(["add account", "raise importance", "raise fit", "add flag"])
    if move == "add account":
        newcomers = [a for a in account_ids if a not in askers]
        requests.append(Request(rng.choice(newcomers), None, rng.choice(["nice", "critical"])))
    elif move == "raise importance" and requests:
        n = rng.randrange(len(requests))
        old = requests[n]
        higher = {"nice": "important", "important": "critical", "critical": "critical"}
        requests[n] = Request(old.account_id, old.user_id, higher[old.importance])
    elif move == "raise fit":
        fit = bundle.strategic_fit
        return BundleFacts(
            bundle.bundle_id,
            requests,
            bundle.flags,
            0 if fit is None else min(5, fit + rng.randrange(0, 3)),
        )
    elif move == "add flag" and askers:
        flags = [*bundle.flags, random_flag(rng, rng.choice(askers))]
        return BundleFacts(bundle.bundle_id, requests, flags, bundle.strategic_fit)
    return BundleFacts(bundle.bundle_id, requests, bundle.flags, bundle.strategic_fit)


@pytest.mark.parametrize(
    "config",
    [
        ScoringConfig.default(),
        ScoringConfig(
            weights={"customers": 0.1, "revenue": 0.8, "fit": 0.1, "reach": 0},
            importance_weights={"nice": 0, "important": 0, "critical": 1},
            customer_scale=3,
            revenue_scale=50_000,
        ),
    ],
    ids=["default", "custom"],
)
def test_raising_any_component_never_lowers_the_score(config: ScoringConfig) -> None:
    """Property check over many random bundles: every single raise keeps or lifts the score."""
    rng = random.Random(20261126)
    accounts = random_accounts(rng, 40)
    account_ids = sorted(accounts)
    index = ReachIndex(accounts)
    for n in range(500):
        bundle = random_bundle(rng, n, account_ids)
        before = score_bundle(bundle, accounts, config, index)
        for _ in range(5):
            bundle = raised(rng, bundle, account_ids)
            after = score_bundle(bundle, accounts, config, index)
            assert after.score >= before.score, (bundle, before, after)
            before = after


def test_contributions_sum_to_the_score_and_stay_in_range() -> None:
    """Every breakdown adds up to its score, which stays within 0-100."""
    rng = random.Random(7)
    accounts = random_accounts(rng, 30)
    config = ScoringConfig(weights={"customers": 0.3, "revenue": 0.3, "fit": 0.2, "reach": 0.2})
    bundles = [random_bundle(rng, n, sorted(accounts)) for n in range(200)]
    for ranked in rank_bundles(bundles, accounts, config, include_off_strategy=True):
        result = ranked.result
        assert sum(c.contribution for c in result.components) == pytest.approx(result.score)
        assert 0.0 <= result.score <= 100.0
        assert sum(c.weight for c in result.components) == pytest.approx(1.0)


def test_money_is_decimal_without_float_drift() -> None:
    """ARR 100000.10 given as a float, important: 100000.10 x 0.2 = 20000.02 exactly."""
    accounts = {1: AccountFacts(1, "Float Ltd", 100000.10)}
    result = score_bundle(BundleFacts(1, [Request(1, 1, "important")]), accounts)
    assert accounts[1].arr == Decimal("100000.10")
    assert result.revenue_at_risk == Decimal("20000.02")
    assert isinstance(result.revenue_at_risk, Decimal)

    # 0.1 + 0.2 in floats is 0.30000000000000004; as flagged full ARR it must be 0.3.
    accounts = {1: AccountFacts(1, "A", 0.1), 2: AccountFacts(2, "B", 0.2)}
    flags = [Flag(1, "churn_risk", None), Flag(2, "churn_risk", None)]
    bundle = BundleFacts(1, [Request(1, 1, "nice"), Request(2, 2, "nice")], flags)
    assert score_bundle(bundle, accounts).revenue_at_risk == Decimal("0.3")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weights": {"customers": -1, "revenue": 1, "fit": 0, "reach": 0}}, "negative: customers"),
        ({"weights": {"customers": 0, "revenue": 0, "fit": 0, "reach": 0}}, "all be zero"),
        (
            {"weights": {"customers": 1, "revenue": 1, "fit": 1, "reach": 0, "votes": 1}},
            "unknown weights keys: votes",
        ),
        ({"weights": {"customers": 1, "revenue": 1, "fit": 1}}, "missing weights keys: reach"),
        (
            {"importance_weights": {"nice": 0.05, "important": 0.2, "critical": 1.5}},
            "between 0 and 1: critical",
        ),
        (
            {"importance_weights": {"nice": -0.1, "important": 0.2, "critical": 0.5}},
            "between 0 and 1: nice",
        ),
        (
            {"importance_weights": {"nice": 0.05, "important": 0.2, "critical": 0.5, "meh": 0}},
            "unknown importance_weights keys: meh",
        ),
        (
            {"importance_weights": {"nice": 0.5, "important": 0.2, "critical": 0.1}},
            "must not decrease",
        ),
        ({"customer_scale": 0}, "customer_scale must be a positive"),
        ({"weights": {"customers": "x", "revenue": 1, "fit": 1, "reach": 0}}, "a number"),
    ],
)
def test_config_validation_errors(changes: dict[str, object], message: str) -> None:
    """validate() names the problem; scoring refuses an invalid config."""
    config = ScoringConfig(**changes)
    with pytest.raises(ValueError, match=message):
        config.validate()
    with pytest.raises(ValueError, match="invalid scoring config"):
        score_bundle(BundleFacts(1, []), ACCOUNTS, config)


def test_default_config_is_valid_and_equals_no_arguments() -> None:
    """ScoringConfig.default() validates and is ScoringConfig()."""
    ScoringConfig.default().validate()
    assert ScoringConfig.default() == ScoringConfig()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Request(1, 1, "urgent"), "importance must be one of"),
        (lambda: Flag(1, "angry", None), "flag kind must be one of"),
        (lambda: Flag(1, "churn_risk", -5), "must not be negative"),
        (lambda: BundleFacts(1, [], strategic_fit=6), "strategic fit must be None or 0-5"),
        (lambda: AccountFacts(1, "A", -1), "ARR must not be negative"),
        (
            lambda: score_bundle(BundleFacts(1, [Request(99, 1, "nice")]), ACCOUNTS),
            "account 99 is not among the accounts given",
        ),
    ],
)
def test_bad_facts_are_rejected(build: Callable[[], object], message: str) -> None:
    """Facts the scoring cannot weigh raise ValueError with a clear message."""
    with pytest.raises(ValueError, match=message):
        build()


def test_log_normalisation_is_set_independent() -> None:
    """Revenue 1,000 normalises to log1p(1000)/log1p(1e6) = 0.5000724 whatever else exists."""
    accounts = {1: AccountFacts(1, "A", 1_000)}
    bundle = BundleFacts(1, [Request(1, 1, "nice")], [Flag(1, "churn_risk", None)])
    revenue = component(score_bundle(bundle, accounts), "revenue")
    assert revenue.raw == Decimal(1_000)
    assert revenue.normalised == pytest.approx(math.log1p(1000) / math.log1p(1e6))
    assert revenue.normalised == pytest.approx(0.5000724, abs=1e-7)


def test_reach_index_matches_a_plain_scan() -> None:
    """Small, middling and near-total reach all agree with scanning every account, to the cent."""
    rng = random.Random(99)
    accounts = {}
    for n in range(1, 301):
        segments = {"region": rng.choice(["emea", "us", "apac"]), "tier": f"t{n % 40}"}
        if n % 3 == 0:
            segments["everyone"] = "yes"
        cents = Decimal(rng.randrange(0, 10**9)) / 100
        accounts[n] = AccountFacts(n, f"A{n}", cents, segments)
    accounts[301] = AccountFacts(301, "No segments", Decimal("12.34"))
    accounts[302] = AccountFacts(302, "Rare one", Decimal("0.01"), {"tier": "rare"})
    accounts[303] = AccountFacts(303, "Rare two", Decimal("100.10"), {"tier": "rare"})
    index = ReachIndex(accounts)
    sizes = set()
    for askers in (
        [302],  # a rare tier: one other account
        [2, 41],  # one region plus a tier: about a third
        [3, 4, 5],  # everyone=yes plus all regions: nearly all
        [301, 7],
        rng.sample(sorted(accounts), 12),
    ):
        pairs = {p for a in askers for p in accounts[a].segments.items()}
        expected = [
            a
            for a in accounts.values()
            if a.id not in askers and pairs.intersection(a.segments.items())
        ]
        count, arr = index.reach(askers)
        assert (count, arr) == (len(expected), sum((a.arr for a in expected), Decimal(0)))
        assert {a.id for a in index.expected_accounts(askers)} == {a.id for a in expected}
        sizes.add(count)
    assert min(sizes) < 64 and max(sizes) > 303 - 64 and any(64 < s < 239 for s in sizes)


def test_more_money_at_risk_always_scores_higher_past_the_scale() -> None:
    """2.17M and 3.77M at risk score apart, and a flag past the book still raises the score."""
    accounts = {1: AccountFacts(1, "Small", 4_340_000), 2: AccountFacts(2, "Big", 7_540_000)}
    config = ScoringConfig(revenue_scale=Decimal(1_000_000))
    small = score_bundle(BundleFacts(1, [Request(1, 1, "critical")]), accounts, config)
    big = score_bundle(BundleFacts(2, [Request(2, 2, "critical")]), accounts, config)
    assert (small.revenue_at_risk, big.revenue_at_risk) == (Decimal(2_170_000), Decimal(3_770_000))
    assert big.score > small.score
    flagged = BundleFacts(2, [Request(2, 2, "critical")], [Flag(2, "churn_risk", 4_221_000)])
    assert score_bundle(flagged, accounts, config).score > big.score


def test_revenue_note_names_the_scale_and_its_basis() -> None:
    """The explanation says which scale was used and its value."""
    config = ScoringConfig(revenue_scale=Decimal(2_500_000), scale_basis="total ARR of 3 accounts")
    result = score_bundle(BundleFacts(1, [Request(1, 1, "nice")]), ACCOUNTS, config)
    assert "scale 2,500,000 (total ARR of 3 accounts)" in component(result, "revenue").note
