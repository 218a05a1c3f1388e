"""The product manager's backlog page: ranking, filters, sorting, chart, what-if, print, exports,
and the bundle status workflow it adds to a bundle's value page."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select

from wishlist.extensions import db
from wishlist.models import (
    Account,
    Bundle,
    BundleStatusChange,
    Notification,
    Role,
    Setting,
    WishStatus,
)
from wishlist.services import backlog as backlog_service
from wishlist.services import bundles as bundle_service
from wishlist.services import status as status_service
from wishlist.services import value as value_service
from wishlist.services import wishes as wish_service

from . import factories

ROW = re.compile(r'<tr class="[^"]*" data-bundle="(\d+)">(.*?)</tr>', re.S)
RANK = re.compile(r'<td class="rank">(\d+)')
SCORE = re.compile(r'class="score-value">([\d.]+)<')
POINT = re.compile(r'<a class="chart__point" href="/value/bundles/(\d+)">')
HTML_TITLE = "<script>alert('x')</script> Invoices & <b>bold</b>"


def _account(name: str, arr: str, tier: str, **segments: str) -> Account:
    """An account with ARR, a tier and segments, made through the ORM."""
    account = Account(
        name=name,
        email_domain=f"{name.lower().replace(' ', '')}.test",
        arr=Decimal(arr),
        tier=tier,
        segments=segments,
    )
    db.session.add(account)
    db.session.commit()
    return account


def _bundle(csm, wishes, title: str | None = None) -> int:  # noqa: ANN001
    """Bundle wishes by hand; return the bundle id."""
    return bundle_service.bundle_wishes(csm, [w.id for w in wishes], title).bundle_id


def _rows(html: str) -> list[tuple[int, int, str]]:
    """(rank, bundle id, score as shown) of each row of the backlog table, in page order."""
    found = []
    for bundle_id, cells in ROW.findall(html):
        found.append((int(RANK.search(cells).group(1)), int(bundle_id), SCORE.search(cells)[1]))
    return found


def _ids(html: str) -> list[int]:
    """Bundle ids in the order the backlog table lists them."""
    return [bundle_id for _, bundle_id, _ in _rows(html)]


def _csv_rows(data: bytes) -> list[tuple[int, int, str]]:
    """(rank, bundle id, score) from the CSV export."""
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return [(int(r["rank"]), int(r["bundle_id"]), f"{float(r['score']):.1f}") for r in reader]


def _json_rows(data: bytes) -> list[tuple[int, int, str]]:
    """(rank, bundle id, score) from the JSON export."""
    payload = json.loads(data)
    return [
        (int(r["rank"]), int(r["bundle_id"]), f"{float(r['score']):.1f}") for r in payload["items"]
    ]


@pytest.fixture
def market(people):
    """Five bundles with themes, fits, tiers, segments, a status, an area and an HTML title.

    Under the default weights revenue and fit lead: export (Bigger Co, fit 3) and dark (Big Co
    critical, unscreened) first, then the small accounts' bundles; roadmap is off strategy.
    """
    pm, csm = people["pm"], people["csm"]
    big = _account("Big Co", "100000", "enterprise", region="emea")
    bigger = _account("Bigger Co", "400000", "enterprise", region="us", platform="salesforce")
    small_a = _account("Small A", "1000", "smb", region="emea")
    small_b = _account("Small B", "1000", "smb", region="apac")
    big_user = factories.make_user(Role.CUSTOMER, big)
    bigger_user = factories.make_user(Role.CUSTOMER, bigger)
    a_user = factories.make_user(Role.CUSTOMER, small_a)
    b_user = factories.make_user(Role.CUSTOMER, small_b)
    area = people["area"]

    w1 = factories.make_wish(a_user, "Dark mode for the dashboard", area=area, importance="nice")
    w2 = factories.make_wish(b_user, "Dashboard dark theme", importance="nice")
    for wish, importance in ((w1, "important"), (w2, "critical")):
        wish_service.cast_vote(big_user, wish.id, importance)
    dark = _bundle(csm, [w1, w2])
    x1 = factories.make_wish(bigger_user, "Export invoices to CSV", importance="nice")
    x2 = factories.make_wish(bigger_user, "CSV export of invoices", importance="nice")
    export = _bundle(csm, [x1, x2])
    o1 = factories.make_wish(a_user, "Offline mode in the mobile app")
    o2 = factories.make_wish(b_user, "Mobile app works offline")
    offline = _bundle(csm, [o1, o2])
    h1 = factories.make_wish(b_user, "Invoice templates with logos", importance="nice")
    h2 = factories.make_wish(b_user, "Logo on invoices", importance="nice")
    html = _bundle(csm, [h1, h2], title=HTML_TITLE)
    r1 = factories.make_wish(a_user, "Public roadmap page")
    r2 = factories.make_wish(b_user, "Show the roadmap to customers")
    roadmap = _bundle(csm, [r1, r2])

    mobile = value_service.save_theme(pm, None, "Mobile first", "Phones and tablets")
    finance = value_service.save_theme(pm, None, "Finance", "Invoices and billing")
    value_service.screen_bundle(pm, offline, 4, mobile.id)
    value_service.screen_bundle(pm, export, 3, finance.id)
    value_service.screen_bundle(pm, html, 2, finance.id)
    value_service.screen_bundle(pm, roadmap, 0, None)
    status_service.set_bundle_status(pm, export, WishStatus.PLANNED, "Next quarter")
    return {
        "dark": dark,
        "export": export,
        "offline": offline,
        "html": html,
        "roadmap": roadmap,
        "area": area,
        "wish": w1,
        "customer": a_user,
    }


def _service_rows(**args: str | list[str]) -> list[tuple[int, int, str]]:
    """What the backlog service ranks for these query parameters."""
    rows = backlog_service.backlog(backlog_service.parse_backlog_filter(args))
    return [(r.rank, r.bundle_id, f"{r.score:.1f}") for r in rows]


def test_page_lists_bundles_in_score_order_with_components(client, auth, people, market):
    auth.login(people["pm"].email)
    response = client.get("/backlog/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = _rows(html)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert rows == _service_rows()
    scores = [float(score) for _, _, score in rows]
    assert scores == sorted(scores, reverse=True)
    assert set(_ids(html)[:2]) == {market["dark"], market["export"]}
    # Off strategy is hidden by default; unscreened bundles are marked.
    assert market["roadmap"] not in _ids(html)
    assert "unscreened" in html
    # Components with their share of the score, status, counts and top accounts.
    assert "USD 50,100" in html  # dark: Big Co critical + two small accounts at nice
    assert re.search(r'class="share-of"[^>]*>\d+%</small>', html)
    assert "Big Co, Small A, Small B" in html or "Big Co, Small B, Small A" in html
    assert 'class="badge badge--planned"' in html
    # The CSP forbids inline styles and scripts: the page uses neither.
    assert " style=" not in html
    assert "<script>" not in html.split("</header>", 1)[1]


def test_off_strategy_only_when_asked(client, auth, people, market):
    auth.login(people["pm"].email)
    html = client.get("/backlog/?off_strategy=1").get_data(as_text=True)
    assert market["roadmap"] in _ids(html)
    assert "off strategy" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "planned"}, {"export"}),
        ({"status": ["new", "planned"]}, {"dark", "export", "offline", "html"}),
        ({"theme": "Finance"}, {"export", "html"}),
        ({"theme": "mobile first"}, {"offline"}),
        ({"q": "invoice"}, {"export", "html"}),
        ({"min_score": "{middle}"}, None),
        ({"tier": "smb"}, {"dark", "offline", "html"}),
        ({"tier": "enterprise", "status": "new"}, {"dark"}),
        ({"segment": "region=us"}, {"export"}),
        (
            {"segment": ["region=apac", "platform=salesforce"]},
            {"dark", "offline", "html", "export"},
        ),
        ({"area": "{area}"}, {"dark"}),
        (
            {"off_strategy": "1", "sort": "customer_count", "dir": "asc"},
            {"dark", "export", "offline", "html", "roadmap"},
        ),
        ({"sort": "title"}, {"dark", "export", "offline", "html"}),
    ],
)
def test_filters_in_the_url_match_the_exports(client, auth, people, market, query, expected):
    auth.login(people["pm"].email)
    scores = sorted(
        r.score for r in backlog_service.backlog(backlog_service.parse_backlog_filter({}))
    )
    middle = f"{scores[len(scores) // 2]:.1f}"
    query = {
        k: (v.format(area=market["area"].id, middle=middle) if isinstance(v, str) else v)
        for k, v in query.items()
    }
    address = urlencode(query, doseq=True)
    html = client.get(f"/backlog/?{address}").get_data(as_text=True)
    shown = _rows(html)
    assert shown == _service_rows(**query)
    if expected is None:  # the minimum score
        assert shown and all(float(score) >= float(middle) for _, _, score in shown)
        assert len(shown) < len(scores)
    else:
        assert {bid for _, bid, _ in shown} == {market[name] for name in expected}
    # The export links carry the same filters, and the files rank exactly as the page does.
    for fmt, parse in (("csv", _csv_rows), ("json", _json_rows)):
        link = re.search(rf'href="(/backlog/export\.{fmt}[^"]*)"', html)[1].replace("&amp;", "&")
        assert parse(client.get(link).data) == shown
        assert parse(client.get(f"/backlog/export.{fmt}?{address}").data) == shown


def test_filter_form_reflects_the_url(client, auth, people, market):
    auth.login(people["pm"].email)
    html = client.get(
        "/backlog/?status=planned&theme=Finance&tier=smb&segment=region%3Dus&q=csv&min_score=5"
    ).get_data(as_text=True)
    for name, value in (
        ("status", "planned"),
        ("theme", "Finance"),
        ("tier", "smb"),
        ("segment", "region=us"),
    ):
        assert re.search(rf'<input checked[^>]*name="{name}"[^>]*value="{value}"', html), name
    assert 'value="csv"' in html and 'value="5"' in html
    assert _ids(html) == []  # nothing is both planned and asked for by an smb account
    assert "No bundles match" in html


def test_bad_filter_is_explained(client, auth, people, market):
    auth.login(people["pm"].email)
    response = client.get("/backlog/?status=someday&min_score=lots")
    assert response.status_code == 400
    assert "Filters not applied" in response.get_data(as_text=True)
    assert client.get("/backlog/export.csv?min_score=lots").status_code == 400


def test_sorting_by_column_keeps_filters_and_toggles_direction(client, auth, people, market):
    auth.login(people["pm"].email)
    by_rank = _rows(client.get("/backlog/?tier=smb").get_data(as_text=True))
    html = client.get("/backlog/?tier=smb&sort=customer_count").get_data(as_text=True)
    # Customers, high to low by default: dark (3 accounts), offline (2), invoices (1).
    assert _ids(html) == [market["dark"], market["offline"], market["html"]]
    # The current column's header sorts the other way round; the others keep the filters.
    assert 'href="/backlog/?tier=smb&amp;sort=customer_count&amp;dir=asc"' in html
    assert 'href="/backlog/?tier=smb&amp;sort=title"' in html
    assert 'aria-sort="descending"' in html
    ascending = client.get("/backlog/?tier=smb&sort=customer_count&dir=asc").get_data(as_text=True)
    assert _ids(ascending) == [market["html"], market["offline"], market["dark"]]
    assert 'href="/backlog/?tier=smb&amp;sort=customer_count&amp;dir=desc"' in ascending
    titles = client.get("/backlog/?sort=title").get_data(as_text=True)
    # "<script>…" sorts before letters.
    assert _ids(titles) == [market["html"], market["dark"], market["export"], market["offline"]]
    # Ranks stay the score ranks whatever the order on screen.
    assert sorted(_rows(html)) == sorted(by_rank)
    assert sorted(_rows(ascending)) == sorted(by_rank)


def test_chart_has_one_link_per_bundle_and_a_theme_legend(client, auth, people, market):
    auth.login(people["csm"].email)
    html = client.get("/backlog/").get_data(as_text=True)
    chart = html.split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    points = [int(n) for n in POINT.findall(chart)]
    assert sorted(points) == sorted(_ids(html))
    assert len(points) == len(set(points))
    assert chart.count("<circle ") == len(points)
    assert chart.count("<title>") == len(points)
    assert re.search(r'<circle class="dot dot--\d"', chart)
    assert 'class="dot dot--none"' in chart  # dark has no theme
    legend = html.split('<ul class="legend"', 1)[1].split("</ul>", 1)[0]
    assert "Finance" in legend and "Mobile first" in legend and "No theme" in legend
    # Filtering leaves only the matching dots.
    finance = client.get("/backlog/?theme=Finance").get_data(as_text=True)
    assert sorted(int(n) for n in POINT.findall(finance)) == sorted(
        [market["export"], market["html"]]
    )


def test_preview_reranks_without_saving(client, auth, people, market):
    auth.login(people["pm"].email)
    before = _ids(client.get("/backlog/").get_data(as_text=True))
    weights = {
        "weight_customers": "0",
        "weight_revenue": "0",
        "weight_fit": "1",
        "weight_reach": "0",
        "importance_nice": "0.05",
        "importance_important": "0.2",
        "importance_critical": "0.5",
    }
    response = client.get(
        "/backlog/?" + urlencode({**weights, "csrf_token": "abc", "preview": "1", "q": ""})
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "csrf_token" not in location and "preview" not in location and "q=" not in location
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Preview, not saved" in html
    after = _ids(html)
    assert after[0] == market["offline"]  # fit 4 is the best fit
    assert after != before
    assert "▲" in html and "▼" in html
    assert db.session.get(Setting, value_service.SCORING_KEY) is None
    assert _ids(client.get("/backlog/").get_data(as_text=True)) == before
    # Saving goes to the value page's form, with its CSRF token.
    assert 'action="/value/weights"' in html
    # Sort links and the print view keep the preview.
    assert "weight_fit=1" in re.search(r'href="(/backlog/print[^"]*)"', html)[1]


def test_bad_preview_weights_are_explained(client, auth, people, market):
    auth.login(people["csm"].email)
    response = client.get("/backlog/?weight_customers=lots")
    assert response.status_code == 400
    assert "Preview not shown" in response.get_data(as_text=True)
    assert 'action="/value/weights"' not in response.get_data(as_text=True)  # csm cannot save


def test_print_view_lists_the_same_ranking(client, auth, people, market):
    auth.login(people["pm"].email)
    page = client.get("/backlog/?tier=smb").get_data(as_text=True)
    assert 'href="/backlog/print?tier=smb"' in page
    response = client.get("/backlog/print?tier=smb")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="table print-table"' in html
    printed = [int(n) for n in re.findall(r"<strong>#(\d+) ", html)]
    assert printed == _ids(page)
    assert "tier=smb" in html
    assert " style=" not in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json", "md", "jira"])
def test_exports_are_attachments(client, auth, people, market, fmt):
    auth.login(people["csm"].email)
    response = client.get(f"/backlog/export.{fmt}?status=planned")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert re.search(r'filename="backlog-\d{8}\.[a-z.]+"', disposition)
    assert response.data


def test_pm_changes_a_bundles_status(client, auth, people, market):
    auth.login(people["pm"].email)
    url = f"/backlog/bundles/{market['dark']}/status"
    response = client.post(url, data={"status": "in_progress", "reason": "Building it"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/value/bundles/{market['dark']}#bundle-status")
    assert db.session.get(Bundle, market["dark"]).status == WishStatus.IN_PROGRESS
    html = client.get("/backlog/?status=in_progress").get_data(as_text=True)
    assert _ids(html) == [market["dark"]]


def test_declining_needs_a_reason(client, auth, people, market):
    auth.login(people["pm"].email)
    url = f"/backlog/bundles/{market['dark']}/status"
    response = client.post(url, data={"status": "declined", "reason": ""}, follow_redirects=True)
    assert "Status not changed" in response.get_data(as_text=True)
    assert db.session.get(Bundle, market["dark"]).status == WishStatus.NEW
    response = client.post(url, data={"status": "nonsense"}, follow_redirects=True)
    assert "Status not changed" in response.get_data(as_text=True)


def test_reopening_a_shipped_bundle_needs_the_box_ticked(client, auth, people, market):
    pm = people["pm"]
    auth.login(pm.email)
    page = f"/value/bundles/{market['dark']}"
    assert "Yes, reopen shipped work" not in client.get(page).get_data(as_text=True)
    status_service.set_bundle_status(pm, market["dark"], "shipped", "In the May release")
    assert "Yes, reopen shipped work" in client.get(page).get_data(as_text=True)
    before = {n.id for n in db.session.scalars(select(Notification))}
    url = f"/backlog/bundles/{market['dark']}/status"
    data = {"status": "in_progress", "reason": "A fix is needed"}
    refused = client.post(url, data=data, follow_redirects=True)
    assert "tick “Yes, reopen shipped work”" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Bundle, market["dark"]).status == WishStatus.SHIPPED
    assert {n.id for n in db.session.scalars(select(Notification))} == before
    client.post(url, data={**data, "confirm_reopen": "y"})
    db.session.expire_all()
    bundle = db.session.get(Bundle, market["dark"])
    assert bundle.status == WishStatus.IN_PROGRESS
    assert {w.status for w in bundle.wishes} == {WishStatus.IN_PROGRESS}
    heard = [n.user.email for n in db.session.scalars(select(Notification)) if n.id not in before]
    # Two wishes' authors and the voter behind both: each told once.
    assert sorted(heard) == sorted({v.user.email for w in bundle.wishes for v in w.votes if v.user})


@pytest.mark.parametrize("role", ["csm", "customer"])
def test_only_product_managers_change_status(client, auth, people, market, role):
    auth.login(people[role].email)
    url = f"/backlog/bundles/{market['dark']}/status"
    assert client.post(url, data={"status": "planned"}).status_code == 403
    assert db.session.get(Bundle, market["dark"]).status == WishStatus.NEW


def test_status_of_a_missing_bundle_is_404(client, auth, people, market):
    auth.login(people["pm"].email)
    assert (
        client.post("/backlog/bundles/9999/status", data={"status": "planned"}).status_code == 404
    )


@pytest.mark.parametrize(
    "path",
    [
        "/backlog/",
        "/backlog/?status=planned",
        "/backlog/print",
        "/backlog/export.csv",
        "/backlog/export.json",
    ],
)
def test_customers_are_refused_and_anonymous_sent_to_sign_in(client, auth, people, market, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login(people["customer"].email)
    assert client.get(path).status_code == 403


def test_html_in_titles_is_escaped(client, auth, people, market):
    auth.login(people["pm"].email)
    for path in ("/backlog/", "/backlog/print"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "<b>bold</b>" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Invoices &amp; &lt;b&gt;" in html
    chart = client.get("/backlog/").get_data(as_text=True).split('<svg class="chart"', 1)[1]
    assert "&lt;script&gt;" in chart.split("</svg>", 1)[0]


def test_bundle_extra_shows_history_comments_and_form(app, people, market):
    wish = market["wish"]
    wish_service.add_comment(people["customer"], wish.id, "We need this <now>")
    wish_service.add_comment(people["csm"], wish.id, "Renewal depends on it", internal=True)
    status_service.set_bundle_status(people["pm"], market["dark"], "planned", "Q3")
    template = '{% include "backlog/_bundle_extra.html" %}'
    with app.test_request_context("/value/bundles/1"):
        login_user(people["pm"])
        bundle = db.session.get(Bundle, market["dark"])
        html = render_template_string(template, bundle=bundle)
    assert "New → <strong>Planned</strong>" in html and "“Q3”" in html
    assert "We need this &lt;now&gt;" in html
    assert "Renewal depends on it" in html and "Internal" in html
    assert f'action="/backlog/bundles/{market["dark"]}/status"' in html
    assert 'name="csrf_token"' in html or not app.config.get("WTF_CSRF_ENABLED", True)
    assert " style=" not in html
    with app.test_request_context("/value/bundles/1"):
        login_user(people["csm"])
        html = render_template_string(template, bundle=db.session.get(Bundle, market["dark"]))
    assert "/status" not in html.split("<h3>History</h3>")[0].replace('id="status"', "")
    assert "Product managers change" in html
    assert db.session.scalars(select(BundleStatusChange)).all()


def test_long_backlogs_are_paged_and_the_chart_keeps_the_best(
    client, auth, db, people, monkeypatch
):
    """A page shows PAGE_SIZE bundles; the next page continues the ranking."""
    from wishlist.backlog import views as backlog_views
    from wishlist.services import bundles as bundle_service

    from . import factories

    monkeypatch.setattr(backlog_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(backlog_views, "CHART_LIMIT", 2)
    for n in range(5):
        a = factories.make_wish(people["customer"], f"Paged request {n} alpha")
        b = factories.make_wish(people["other"], f"Paged request {n} beta")
        bundle_service.bundle_wishes(people["csm"], [a.id, b.id])
    auth.login(people["pm"].email)
    first = client.get("/backlog/").data.decode()
    second = client.get("/backlog/?page=2").data.decode()
    assert "Page 1 of 3" in first and "Page 2 of 3" in second
    assert first.count('class="bundle-link"') == 2
    assert second.count('class="bundle-link"') == 2
    assert "The 2 best-ranked bundles are shown." in first
    assert client.get("/backlog/?page=9").status_code == 404
    assert client.get("/backlog/?page=x").status_code == 400
