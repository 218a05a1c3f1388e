"""Value pages through the web client: ranking, weights, flags, screening, themes, accounts."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from wishlist.extensions import db
from wishlist.models import Account, AccountFlag, Bundle, Role, Setting, Wish
from wishlist.services import bundles as bundle_service
from wishlist.services import value as value_service
from wishlist.services import wishes as wish_service

from . import factories

ROW = re.compile(r'<td><a href="/value/bundles/(\d+)">')
EQUAL_WEIGHTS_OFF = {
    "weight_customers": "1",
    "weight_revenue": "0",
    "weight_fit": "0",
    "weight_reach": "0",
}


def _account(name: str, arr: str, **segments: str) -> Account:
    """An account with ARR and segments, made through the ORM."""
    account = Account(
        name=name,
        email_domain=f"{name.lower().replace(' ', '')}.test",
        arr=Decimal(arr),
        segments=segments,
    )
    db.session.add(account)
    db.session.commit()
    return account


def _customer(account: Account):  # noqa: ANN202 - a User
    """A customer user of the account."""
    return factories.make_user(Role.CUSTOMER, account)


def _bundle(csm, wishes) -> int:  # noqa: ANN001
    """Bundle wishes by hand; return the bundle id."""
    return bundle_service.bundle_wishes(csm, [w.id for w in wishes]).bundle_id


def _order(html: str) -> list[int]:
    """Bundle ids in the order the ranking table lists them."""
    return [int(n) for n in ROW.findall(html)]


@pytest.fixture
def market(people):
    """Three bundles: one big account (critical), one bigger account (nice), two small ones.

    With the default weights revenue puts them dark, export, offline; with customers weighing
    everything, offline (two accounts) overtakes export (one account).
    """
    big = _account("Big Co", "100000", region="emea")
    bigger = _account("Bigger Co", "400000", region="us")
    small_a = _account("Small A", "1000", region="emea")
    small_b = _account("Small B", "1000", region="apac")
    neighbour = _account("Neighbour", "250000", region="emea")
    big_user, bigger_user = _customer(big), _customer(bigger)
    a_user, b_user = _customer(small_a), _customer(small_b)
    # Big Co votes on all three wishes of one bundle, most highly on one: counted once.
    w1 = factories.make_wish(a_user, "Dark mode for the dashboard", importance="nice")
    w2 = factories.make_wish(b_user, "Dashboard dark theme", importance="nice")
    w3 = factories.make_wish(b_user, "Night mode on dashboards", importance="nice")
    for wish, importance in ((w1, "nice"), (w2, "important"), (w3, "critical")):
        wish_service.cast_vote(big_user, wish.id, importance)
    dark = _bundle(people["csm"], [w1, w2, w3])
    x1 = factories.make_wish(bigger_user, "Export invoices to CSV", importance="nice")
    x2 = factories.make_wish(bigger_user, "CSV export of invoices", importance="nice")
    export = _bundle(people["csm"], [x1, x2])
    o1 = factories.make_wish(a_user, "Offline mode in the mobile app")
    o2 = factories.make_wish(b_user, "Mobile app works offline")
    offline = _bundle(people["csm"], [o1, o2])
    return {
        "big": big,
        "bigger": bigger,
        "neighbour": neighbour,
        "big_user": big_user,
        "bigger_user": bigger_user,
        "dark": dark,
        "export": export,
        "offline": offline,
        "wish": w1,
    }


def test_ranking_lists_bundles_by_score_with_revenue(client, auth, people, market):
    auth.login(people["csm"].email)
    html = client.get("/value/").get_data(as_text=True)
    # Dark: Big Co critical (100,000 x 0.5) + two small accounts at nice (1,000 x 0.05 each).
    # Export: Bigger Co at nice (400,000 x 0.05). Offline: two small accounts at important.
    assert _order(html) == [market["dark"], market["export"], market["offline"]]
    assert "USD 50,100" in html
    assert "USD 20,000" in html
    assert "USD 400" in html
    scores = [value_service.score(b).score for b in _order(html)]
    for shown in scores:
        assert f"{shown:.1f}" in html
    # Reach: Neighbour shares region=emea with askers of the dark bundle.
    assert "USD 250,000" in html


def test_account_voting_three_wishes_counts_once_at_highest_importance(
    client, auth, people, market
):
    result = value_service.score(market["dark"])
    big = next(e for e in result.exposures if e.account_id == market["big"].id)
    assert big.importance == "critical"
    assert big.exposure == Decimal("50000")
    assert result.customer_count == 3
    assert [e.account_id for e in result.exposures].count(market["big"].id) == 1
    auth.login(people["pm"].email)
    html = client.get(f"/value/bundles/{market['dark']}").get_data(as_text=True)
    assert html.count(">Big Co</a>") == 1
    assert "USD 50,000" in html
    assert "Critical" in html


def test_flag_with_and_without_amount_changes_revenue(client, auth, people, market):
    auth.login(people["csm"].email)
    dark, big = market["dark"], market["big"]
    url = f"/value/bundles/{dark}/flags"
    # A flag below the importance exposure does not lower it.
    response = client.post(url, data={"account": big.id, "kind": "churn_risk", "amount": "30000"})
    assert response.status_code == 302
    assert value_service.score(dark).revenue_at_risk == Decimal("50100")
    # A larger amount counts instead.
    client.post(url, data={"account": big.id, "kind": "churn_risk", "amount": "80,000"})
    assert value_service.score(dark).revenue_at_risk == Decimal("80100")
    # Without an amount, the account's full ARR is at risk.
    client.post(url, data={"account": big.id, "kind": "deal_blocker", "amount": ""})
    result = value_service.score(dark)
    assert result.revenue_at_risk == Decimal("100100")
    html = client.get(f"/value/bundles/{dark}").get_data(as_text=True)
    assert "USD 100,100" in html and "full ARR" in html and "largest of 2 flags" in html
    # Bad amounts are refused with a message and change nothing.
    response = client.post(
        url, data={"account": big.id, "kind": "churn_risk", "amount": "lots"}, follow_redirects=True
    )
    assert "must be a number" in response.get_data(as_text=True)
    # Removing the flags brings the importance-based exposure back.
    for flag in db.session.scalars(select(AccountFlag)).all():
        assert client.post(f"/value/flags/{flag.id}/delete").status_code == 302
    assert value_service.score(dark).revenue_at_risk == Decimal("50100")


def test_flag_only_for_accounts_asking(client, auth, people, market):
    auth.login(people["csm"].email)
    response = client.post(
        f"/value/bundles/{market['dark']}/flags",
        data={"account": market["neighbour"].id, "kind": "churn_risk"},
        follow_redirects=True,
    )
    assert "Flag not saved" in response.get_data(as_text=True)
    assert db.session.scalars(select(AccountFlag)).all() == []


def test_pm_saves_weights_and_the_order_changes(client, auth, people, market):
    auth.login(people["pm"].email)
    before = _order(client.get("/value/").get_data(as_text=True))
    response = client.post("/value/weights", data=EQUAL_WEIGHTS_OFF, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "weights saved" in html
    after = _order(html)
    assert before == [market["dark"], market["export"], market["offline"]]
    assert after == [market["dark"], market["offline"], market["export"]]
    assert value_service.scoring_config().weights["revenue"] == 0
    assert 'value="1"' in html  # the form shows the saved weights


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"weight_customers": "-1"}, "must not be negative"),
        (
            {
                "weight_customers": "0",
                "weight_revenue": "0",
                "weight_fit": "0",
                "weight_reach": "0",
            },
            "must not all be zero",
        ),
        ({"weight_revenue": "lots"}, "must be a number"),
        ({"importance_critical": "2"}, "between 0 and 1"),
    ],
)
def test_invalid_weights_give_a_message_and_change_nothing(
    client, auth, people, market, data, message
):
    auth.login(people["pm"].email)
    before = _order(client.get("/value/").get_data(as_text=True))
    response = client.post("/value/weights", data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Weights not saved" in html and message in html
    assert db.session.get(Setting, value_service.SCORING_KEY) is None
    assert _order(html) == before
    # The same numbers as a preview: a message, and the saved ranking.
    query = "&".join(f"{k}={v}" for k, v in data.items())
    preview = client.get(f"/value/?{query}")
    assert preview.status_code == 400
    assert message in preview.get_data(as_text=True)
    assert "Preview, not saved" not in preview.get_data(as_text=True)


def test_preview_does_not_save_and_shows_rank_changes(client, auth, people, market):
    auth.login(people["csm"].email)
    saved = _order(client.get("/value/").get_data(as_text=True))
    response = client.get("/value/", query_string=EQUAL_WEIGHTS_OFF)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview, not saved" in html
    assert _order(html) == [market["dark"], market["offline"], market["export"]]
    assert "▲ 1" in html and "▼ 1" in html
    assert db.session.get(Setting, value_service.SCORING_KEY) is None
    assert _order(client.get("/value/").get_data(as_text=True)) == saved


def test_preview_drops_a_csrf_token_from_the_address(client, auth, people, market):
    auth.login(people["pm"].email)
    response = client.get("/value/?csrf_token=abc&weight_customers=1&preview=1")
    assert response.status_code == 302
    assert "csrf_token" not in response.headers["Location"]
    assert "weight_customers=1" in response.headers["Location"]


def test_csm_cannot_save_weights_but_can_flag(client, auth, people, market):
    auth.login(people["csm"].email)
    html = client.get("/value/").get_data(as_text=True)
    assert "Save weights" not in html and "Preview" in html
    assert client.post("/value/weights", data=EQUAL_WEIGHTS_OFF).status_code == 403
    assert db.session.get(Setting, value_service.SCORING_KEY) is None
    response = client.post(
        f"/value/bundles/{market['export']}/flags",
        data={"account": market["bigger"].id, "kind": "deal_blocker", "note": "Renewal in May"},
    )
    assert response.status_code == 302
    flag = db.session.scalars(select(AccountFlag)).one()
    assert flag.created_by_id == people["csm"].id and flag.amount is None
    page = client.get(f"/value/bundles/{market['export']}").get_data(as_text=True)
    assert "Renewal in May" in page and "Save screening" not in page
    assert client.post(f"/value/bundles/{market['export']}/screen", data={"fit": "3"}).status_code
    assert db.session.get(Bundle, market["export"]).strategic_fit is None


def test_off_strategy_bundles_hidden_unless_asked(client, auth, people, market):
    auth.login(people["pm"].email)
    response = client.post(f"/value/bundles/{market['export']}/screen", data={"fit": "0"})
    assert response.status_code == 302
    assert db.session.get(Bundle, market["export"]).strategic_fit == 0
    assert market["export"] not in _order(client.get("/value/").get_data(as_text=True))
    html = client.get("/value/?off_strategy=1").get_data(as_text=True)
    assert market["export"] in _order(html)
    assert "off strategy" in html


def test_unscreened_is_shown_as_unscreened_not_zero(client, auth, people, market):
    auth.login(people["pm"].email)
    html = client.get("/value/").get_data(as_text=True)
    assert html.count(">unscreened</span>") == 3
    assert "0 of 5" not in html
    page = client.get(f"/value/bundles/{market['dark']}").get_data(as_text=True)
    assert "unscreened" in page
    client.post(f"/value/bundles/{market['dark']}/screen", data={"fit": "4"})
    html = client.get("/value/").get_data(as_text=True)
    assert html.count(">unscreened</span>") == 2 and "4 of 5" in html


def test_theme_suggestion_and_screening(client, auth, people, market):
    auth.login(people["pm"].email)
    client.post("/value/themes", data={"name": "Billing", "description": "Invoices, payments"})
    client.post(
        "/value/themes",
        data={"name": "Dark mode", "description": "Dark theme and night mode for dashboards"},
    )
    themes = {t.name: t for t in value_service.list_themes()}
    assert set(themes) == {"Billing", "Dark mode"}
    html = client.get(f"/value/bundles/{market['dark']}").get_data(as_text=True)
    match = re.search(r"suggested: Dark mode, fit (\d) \(similarity 0\.\d\d\)", html)
    assert match
    # The unscreened bundle's form is pre-filled with the suggestion.
    assert f'<option selected value="{themes["Dark mode"].id}">' in html
    response = client.post(
        f"/value/bundles/{market['dark']}/screen",
        data={"fit": "5", "theme": str(themes["Dark mode"].id)},
    )
    assert response.status_code == 302
    bundle = db.session.get(Bundle, market["dark"])
    assert bundle.strategic_fit == 5 and bundle.theme_id == themes["Dark mode"].id
    assert bundle.screened_by_id == people["pm"].id
    html = client.get("/value/").get_data(as_text=True)
    assert "Dark mode</td>" in html and "5 of 5" in html


def test_themes_edit_and_deactivate(client, auth, people):
    auth.login(people["pm"].email)
    client.post("/value/themes", data={"name": "Mobile", "description": ""})
    theme = value_service.list_themes()[0]
    response = client.post(
        f"/value/themes/{theme.id}", data={"name": "Mobile first", "description": "Phones"}
    )
    assert response.status_code == 302
    db.session.refresh(theme)
    assert theme.name == "Mobile first" and not theme.active
    assert value_service.list_themes(active_only=True) == []
    client.post(f"/value/themes/{theme.id}", data={"name": "Mobile first", "active": "y"})
    db.session.refresh(theme)
    assert theme.active
    clash = client.post("/value/themes", data={"name": "mobile first"})
    assert clash.status_code == 400 and "already exists" in clash.get_data(as_text=True)
    auth.logout()
    auth.login(people["csm"].email)
    page = client.get("/value/themes").get_data(as_text=True)
    assert "Mobile first" in page and "Add theme" not in page
    assert client.post("/value/themes", data={"name": "Other"}).status_code == 403


def test_html_in_theme_names_is_escaped(client, auth, people, market):
    auth.login(people["pm"].email)
    evil = '<script>alert("x")</script> Dark mode'
    client.post("/value/themes", data={"name": evil, "description": "dark theme dashboards"})
    theme = value_service.list_themes()[0]
    client.post(f"/value/bundles/{market['dark']}/screen", data={"fit": "3", "theme": theme.id})
    for url in ("/value/themes", f"/value/bundles/{market['dark']}", "/value/"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;" in html, url


def test_accounts_list_and_page(client, auth, people, market):
    auth.login(people["csm"].email)
    html = client.get("/accounts/").get_data(as_text=True)
    names = re.findall(r'<a href="/accounts/\d+">([^<]+)</a>', html)
    assert names[:2] == ["Bigger Co", "Neighbour"]
    assert "region=emea" in html and "USD 400,000" in html
    by_name = re.findall(
        r'<a href="/accounts/\d+">([^<]+)</a>', client.get("/accounts/?sort=name").get_data(True)
    )
    assert by_name == sorted(by_name)
    page = client.get(f"/accounts/{market['big'].id}").get_data(as_text=True)
    assert market["big_user"].email in page
    assert f"/value/bundles/{market['dark']}" in page
    assert "USD 50,000" in page and "USD 100,000" in page
    assert client.get("/accounts/99999").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/value/",
        "/value/?weight_customers=1",
        "/value/bundles/{dark}",
        "/value/themes",
        "/accounts/",
        "/accounts/{account}",
    ],
)
def test_customers_get_403(client, auth, people, market, path):
    auth.login(people["customer"].email)
    url = path.format(dark=market["dark"], account=market["big"].id)
    assert client.get(url).status_code == 403


def test_customers_get_403_on_value_writes(client, auth, people, market):
    auth.login(people["customer"].email)
    dark = market["dark"]
    posts = {
        "/value/weights": EQUAL_WEIGHTS_OFF,
        f"/value/bundles/{dark}/flags": {"account": market["big"].id, "kind": "churn_risk"},
        f"/value/bundles/{dark}/screen": {"fit": "0"},
        "/value/themes": {"name": "Sneaky"},
    }
    for url, data in posts.items():
        assert client.post(url, data=data).status_code == 403, url
    assert db.session.scalars(select(AccountFlag)).all() == []
    assert value_service.list_themes() == []
    assert db.session.get(Bundle, dark).strategic_fit is None


def test_arr_never_reaches_customer_pages(client, auth, people, market):
    auth.login(people["pm"].email)
    client.post(
        f"/value/bundles/{market['dark']}/flags",
        data={"account": market["big"].id, "kind": "churn_risk", "amount": "123456"},
        follow_redirects=True,  # read the flash here, not on the customer's first page
    )
    auth.logout()
    auth.login(market["big_user"].email)
    wish = market["wish"].id
    pages = [
        client.get("/").get_data(as_text=True),
        client.get(f"/wishes/{wish}").get_data(as_text=True),
        client.get("/api/v1/wishes").get_data(as_text=True),
        client.get(f"/api/v1/wishes/{wish}").get_data(as_text=True),
        client.get("/me/votes").get_data(as_text=True),
    ]
    for text in pages:
        for secret in ("100,000", "100000", "123,456", "123456", "50,000", "churn", "Bigger Co"):
            assert secret not in text


def test_a_critical_lone_wish_from_the_biggest_account_reaches_the_ranking(
    client, auth, people, market
):
    """A wish nobody bundled is ranked on its own; staff can make it a bundle to flag it."""
    lone = factories.make_wish(
        market["bigger_user"], "Audit log of every export", importance="critical"
    )
    auth.login(people["pm"].email)
    html = client.get("/value/").get_data(as_text=True)
    # Bigger Co's 400,000 at critical (x 0.5) outranks every bundle but the three-account one.
    second = html.split('<td class="rank">', 3)[2]
    assert second.startswith("2") and f'href="/value/wishes/{lone.id}"' in second
    assert "single wish" in second and "USD 200,000" in second
    # The scale the scores use is named, with its current value.
    assert value_service.scale_explanation() in html and "total ARR of" in html
    page = client.get(f"/value/wishes/{lone.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Audit log of every export" in text and "How the score is made" in text
    assert "Bigger Co" in text
    made = client.post(f"/value/wishes/{lone.id}/bundle")
    assert made.status_code == 302
    bundle_id = db.session.get(Wish, lone.id).bundle_id
    assert bundle_id is not None and made.location.endswith(f"/value/bundles/{bundle_id}")
    # Its value page now is its bundle's, and the ranking links the bundle.
    assert client.get(f"/value/wishes/{lone.id}").location.endswith(f"/value/bundles/{bundle_id}")
    assert f'href="/value/bundles/{bundle_id}"' in client.get("/value/").get_data(as_text=True)


def test_lone_wish_pages_are_staff_only(client, auth, people, market):
    lone = factories.make_wish(market["big_user"], "Keyboard shortcuts", importance="critical")
    auth.login(market["big_user"].email)
    assert client.get(f"/value/wishes/{lone.id}").status_code == 403
    assert client.post(f"/value/wishes/{lone.id}/bundle").status_code in (400, 403)
    assert db.session.get(Wish, lone.id).bundle_id is None
    auth.logout()
    auth.login(people["csm"].email)
    assert client.get("/value/wishes/999999").status_code == 404
    wish_service.withdraw_wish(market["big_user"], lone.id)
    assert client.get(f"/value/wishes/{lone.id}").status_code == 404


def test_account_page_counts_its_lone_wishes_in_its_exposure(client, auth, people, market):
    """What an account asks for includes wishes in no bundle, ranked as bundles of one."""
    auth.login(people["csm"].email)
    before = client.get(f"/accounts/{market['bigger'].id}").get_data(as_text=True)
    assert "USD 20,000 across 1 bundle" in before  # the export bundle, at nice
    lone = factories.make_wish(market["bigger_user"], "Single sign-on", importance="critical")
    page = client.get(f"/accounts/{market['bigger'].id}").get_data(as_text=True)
    assert f'href="/value/wishes/{lone.id}"' in page and "single wish" in page
    # 400,000 x 0.5 for the critical lone wish, on top of the 20,000 of the bundle.
    assert "USD 220,000 across 2 bundles" in page
