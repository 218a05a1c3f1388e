"""Facts gathered from the database for scoring, and the stored scoring weights."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wishlist.extensions import db as _db
from wishlist.models import FlagKind
from wishlist.services import ServiceError, value
from wishlist.services import bundles as bundle_service
from wishlist.services import wishes as wish_service

from . import factories


@pytest.fixture
def priced(people):
    """Acme (ARR 200,000, emea) and Globex (ARR 50,000, apac), and Initech (emea) not asking."""
    people["acme"].arr, people["acme"].segments = Decimal("200000"), {"region": "emea"}
    people["globex"].arr, people["globex"].segments = Decimal("50000"), {"region": "apac"}
    initech = factories.make_account("Initech", "initech.test")
    initech.arr, initech.segments = Decimal("80000"), {"region": "emea"}
    _db.session.commit()
    return people


def test_bundle_facts_count_accounts_once_at_their_highest_importance(db, priced):
    people = priced
    a = factories.make_wish(people["customer"], "Dark mode", importance="nice")
    b = factories.make_wish(people["other"], "Night theme", importance="important")
    c = factories.make_wish(people["other"], "Black background", importance="nice")
    colleague = factories.make_user(account=people["acme"])
    wish_service.cast_vote(colleague, c.id, "critical")
    wish_service.cast_vote(people["csm"], a.id, "critical")  # staff votes carry no account
    bundle = bundle_service.bundle_wishes(people["csm"], [a.id, b.id, c.id]).bundle_id
    result = value.score(bundle)
    assert (result.customer_count, result.user_count) == (2, 3)
    # Acme: critical (colleague) -> 200,000 x 0.5; Globex: important -> 50,000 x 0.2.
    assert result.revenue_at_risk == Decimal("110000")
    assert (result.reach_accounts, result.reach_arr) == (1, Decimal("80000"))
    assert result.unscreened and not result.off_strategy


def test_withdrawn_wishes_and_their_votes_do_not_count(db, priced):
    people = priced
    a = factories.make_wish(people["customer"], "Dark mode", importance="critical")
    b = factories.make_wish(people["other"], "Night theme", importance="nice")
    bundle = bundle_service.bundle_wishes(people["csm"], [a.id, b.id]).bundle_id
    wish_service.withdraw_wish(people["customer"], a.id)
    result = value.score(bundle)
    assert result.customer_count == 1
    assert result.revenue_at_risk == Decimal("2500.00")


def test_account_level_votes_and_flags(db, priced):
    people = priced
    a = factories.make_wish(people["customer"], "Dark mode", importance="nice")
    b = factories.make_wish(people["customer"], "Night theme", importance="nice")
    wish_service.vote_for(people["csm"], b.id, people["globex"].id, None, "critical")
    bundle = bundle_service.bundle_wishes(people["csm"], [a.id, b.id]).bundle_id
    assert value.score(bundle).revenue_at_risk == Decimal("35000")  # 10,000 + 25,000
    value.flag_account(people["csm"], bundle, people["acme"].id, FlagKind.CHURN_RISK)
    assert value.score(bundle).revenue_at_risk == Decimal("225000")  # full ARR + 25,000
    value.flag_account(
        people["csm"], bundle, people["globex"].id, FlagKind.DEAL_BLOCKER, Decimal("40000")
    )
    assert value.score(bundle).revenue_at_risk == Decimal("240000")


def test_weights_are_stored_validated_and_change_the_ranking(db, priced):
    people = priced
    many = [factories.make_wish(people["other"], f"Small wish {n}") for n in range(2)]
    rich = [
        factories.make_wish(people["customer"], f"Big wish {n}", importance="critical")
        for n in range(2)
    ]
    for n in range(3):
        account = factories.make_account(f"Tiny {n}", f"tiny{n}.test")
        voter = factories.make_user(account=account)
        wish_service.cast_vote(voter, many[0].id, "nice")
    small = bundle_service.bundle_wishes(people["csm"], [w.id for w in many]).bundle_id
    big = bundle_service.bundle_wishes(people["csm"], [w.id for w in rich]).bundle_id
    revenue_only = value.parse_config(
        {"weight_customers": "0", "weight_revenue": "1", "weight_fit": "0", "weight_reach": "0"}
    )
    value.save_scoring_config(people["pm"], revenue_only)
    assert value.scoring_config().weights["customers"] == 0
    # Acme alone risks 100,000; the small bundle's five accounts risk 10,000.
    assert [r.bundle_id for r in value.ranking()] == [big, small]
    config = value.parse_config(
        {"weight_customers": "1", "weight_revenue": "0", "weight_fit": "0", "weight_reach": "0"}
    )
    value.save_scoring_config(people["pm"], config)
    assert [r.bundle_id for r in value.ranking()] == [small, big]
    with pytest.raises(ServiceError, match="negative"):
        value.parse_config({"weight_customers": "-1"})
    with pytest.raises(ServiceError, match="must be a number"):
        value.parse_config({"weight_fit": "lots"})
    with pytest.raises(ServiceError):
        value.save_scoring_config(people["csm"], config)


def test_off_strategy_leaves_the_ranking_and_theme_is_suggested(db, priced):
    people = priced
    theme = value.save_theme(
        people["pm"],
        None,
        "Dark interfaces",
        "Dark mode, night theme and black backgrounds for long sessions.",
    )
    a = factories.make_wish(people["customer"], "Dark mode for the dashboard")
    b = factories.make_wish(people["other"], "Night theme please")
    bundle_id = bundle_service.bundle_wishes(people["csm"], [a.id, b.id]).bundle_id
    bundle = bundle_service.get_bundle(bundle_id)
    suggested, fit, similarity = value.theme_suggestion(bundle)
    assert suggested.id == theme.id and 1 <= fit <= 5 and similarity > 0
    value.screen_bundle(people["pm"], bundle_id, 0, None)
    assert value.ranking() == []
    assert [r.bundle_id for r in value.ranking(include_off_strategy=True)] == [bundle_id]
    with pytest.raises(ServiceError):
        value.screen_bundle(people["pm"], bundle_id, 7, None)


def test_money_parsing():
    assert value.parse_money("120,000.50") == Decimal("120000.50")
    assert value.parse_money("") is None
    for bad in ("-5", "abc", "1e400000", "NaN"):
        with pytest.raises(ServiceError):
            value.parse_money(bad)
