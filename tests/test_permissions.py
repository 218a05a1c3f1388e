"""Every route, walked as anonymous, customer, csm, pm and admin: who gets what."""

from __future__ import annotations

import re

import pytest

from wishlist.models import Role
from wishlist.services import bundles as bundle_service
from wishlist.services import jobs as job_service
from wishlist.services import value as value_service

from . import factories

ROLES = ["anonymous", "customer", "csm", "pm", "admin"]
# Who may use a route: everyone, anyone signed in, staff (csm, pm, admin), or admins only.
ALLOWED = {
    "public": set(ROLES),
    "user": {"customer", "csm", "pm", "admin"},
    "staff": {"csm", "pm", "admin"},
    "admin": {"admin"},
    "pm": {"pm", "admin"},
}

# (method, path template, access, form data). {wish}, {user}, {account}, {area} are filled in.
ROUTES = [
    ("GET", "/login", "public", None),
    ("GET", "/signup", "public", None),
    ("POST", "/login", "public", {"email": "carol@acme.test", "password": factories.PASSWORD}),
    ("POST", "/signup", "public", {"email": "x@acme.test"}),
    ("GET", "/static/wishlist.css", "public", None),
    ("POST", "/logout", "user", {}),
    ("GET", "/signup/resend", "public", None),
    ("POST", "/signup/resend", "public", {"email": "x@acme.test"}),
    ("POST", "/logout/everywhere", "user", {}),
    ("GET", "/password", "user", None),
    ("POST", "/password", "user", {}),
    ("GET", "/", "user", None),
    ("GET", "/me/wishes", "user", None),
    ("GET", "/me/votes", "user", None),
    ("GET", "/wishes/new", "user", None),
    ("POST", "/wishes/new", "user", {"title": "A new wish", "importance": "nice"}),
    ("GET", "/wishes/{wish}", "user", None),
    ("GET", "/wishes/{wish}/edit", "user", None),
    ("POST", "/wishes/{wish}/edit", "user", {"title": "Edited title", "product_area": 0}),
    ("POST", "/wishes/{wish}/vote", "user", {"importance": "critical"}),
    ("POST", "/wishes/{wish}/unvote", "user", {}),
    ("POST", "/wishes/{wish}/follow", "user", {"follow": "1"}),
    ("POST", "/wishes/{wish}/comments", "user", {"body": "A comment"}),
    ("POST", "/wishes/{wish}/withdraw", "user", {}),
    ("POST", "/wishes/{wish}/status", "staff", {"status": "planned", "reason": ""}),
    ("POST", "/wishes/{wish}/vote-for", "staff", {"account": "{account}", "importance": "nice"}),
    ("GET", "/api/v1/wishes", "user", None),
    ("GET", "/api/v1/wishes/{wish}", "user", None),
    ("PUT", "/api/v1/wishes/{wish}/vote", "user", {"importance": "nice"}),
    ("DELETE", "/api/v1/wishes/{wish}/vote", "user", None),
    ("GET", "/api/v1/wishes/similar?title=dark+mode", "user", None),
    ("GET", "/review/", "staff", None),
    ("GET", "/review/bundles/{bundle}", "staff", None),
    ("POST", "/review/bundles/{bundle}/accept", "staff", {}),
    ("POST", "/review/bundles/{bundle}/reject", "staff", {}),
    ("POST", "/review/bundles/{bundle}/remove/{wish}", "staff", {}),
    ("POST", "/review/bundles/{bundle}/merge", "staff", {"bundle_id": "{other_bundle}"}),
    ("POST", "/review/bundles/{bundle}/edit", "staff", {"title": "Night theme", "description": ""}),
    ("POST", "/review/wishes/{wish}/move", "staff", {"bundle_id": ""}),
    ("POST", "/review/wishes/{wish}/bundle-with/{loner}", "staff", {}),
    ("POST", "/review/recompute", "staff", {}),
    ("GET", "/review/decisions", "staff", None),
    ("POST", "/review/decisions/{decision}/undo", "staff", {}),
    ("GET", "/admin/", "admin", None),
    ("GET", "/admin/users", "admin", None),
    ("POST", "/admin/users", "admin", {"email": "new@acme.test", "role": "pm", "account": 0}),
    ("GET", "/admin/users/{user}", "admin", None),
    ("POST", "/admin/users/{user}", "admin", {"role": "customer", "account": "{account}"}),
    ("GET", "/admin/accounts", "admin", None),
    ("POST", "/admin/accounts", "admin", {"name": "Initech", "email_domain": "initech.test"}),
    ("GET", "/admin/accounts/{account}", "admin", None),
    ("POST", "/admin/accounts/{account}", "admin", {"name": "Acme Inc", "email_domain": ""}),
    ("GET", "/admin/areas", "admin", None),
    ("POST", "/admin/areas", "admin", {"name": "Billing", "description": ""}),
    ("GET", "/admin/import", "admin", None),
    ("POST", "/admin/import", "admin", {"kind": "accounts"}),
    ("GET", "/admin/areas/{area}", "admin", None),
    ("POST", "/admin/areas/{area}", "admin", {"name": "Reports", "description": ""}),
    ("GET", "/value/", "staff", None),
    ("GET", "/value/?weight_customers=1&weight_revenue=0&off_strategy=1", "staff", None),
    ("POST", "/value/weights", "pm", {"weight_customers": "0.5", "weight_revenue": "0.5"}),
    ("GET", "/value/bundles/{bundle}", "staff", None),
    ("GET", "/value/wishes/{loner}", "staff", None),
    ("POST", "/value/wishes/{loner}/bundle", "staff", {}),
    (
        "POST",
        "/value/bundles/{bundle}/flags",
        "staff",
        {"account": "{account}", "kind": "deal_blocker", "amount": "1000", "note": ""},
    ),
    ("POST", "/value/flags/{flag}/delete", "staff", {}),
    ("POST", "/value/bundles/{bundle}/screen", "pm", {"fit": "3", "theme": "{theme}"}),
    ("GET", "/value/themes", "staff", None),
    ("POST", "/value/themes", "pm", {"name": "Compliance", "description": ""}),
    ("POST", "/value/themes/{theme}", "pm", {"name": "Mobile", "description": "", "active": "y"}),
    ("GET", "/accounts/", "staff", None),
    ("GET", "/accounts/?sort=name", "staff", None),
    ("GET", "/accounts/{account}", "staff", None),
    ("GET", "/backlog/", "staff", None),
    ("GET", "/backlog/?status=new&theme=Mobile+first&sort=score&dir=asc", "staff", None),
    ("GET", "/backlog/?weight_customers=1&weight_revenue=0&off_strategy=1", "staff", None),
    ("GET", "/backlog/print", "staff", None),
    ("GET", "/backlog/export.csv", "staff", None),
    ("GET", "/backlog/export.xlsx", "staff", None),
    ("GET", "/backlog/export.json", "staff", None),
    ("GET", "/backlog/export.md", "staff", None),
    ("GET", "/backlog/export.jira", "staff", None),
    ("POST", "/backlog/bundles/{bundle}/status", "pm", {"status": "planned", "reason": ""}),
    ("GET", "/roadmap", "user", None),
    ("GET", "/notifications", "user", None),
    ("POST", "/notifications/read", "user", {}),
    ("GET", "/jobs/", "staff", None),
    ("GET", "/jobs/{job}", "staff", None),
]
# Routes that take a token of their own and are covered in test_auth.py.
EXEMPT = {"/invite/<token>", "/signup/verify/<token>"}


@pytest.fixture
def scene(app, people):
    """A wish by the customer, plus the ids the routes need."""
    wish = factories.make_wish(people["customer"], "Dark mode")
    twin = factories.make_wish(people["other"], "Night theme")
    pair = factories.make_wish(people["other"], "Export invoices to CSV")
    pair_twin = factories.make_wish(people["other"], "CSV export of invoices")
    loner = factories.make_wish(people["other"], "Offline mode")
    decision = bundle_service.bundle_wishes(people["csm"], [wish.id, twin.id])
    other = bundle_service.bundle_wishes(people["csm"], [pair.id, pair_twin.id])
    target = factories.make_user(Role.CUSTOMER, people["acme"], email="tim@acme.test")
    theme = value_service.save_theme(people["pm"], None, "Mobile first", "Phones and tablets")
    flag = value_service.flag_account(
        people["csm"], decision.bundle_id, people["acme"].id, "churn_risk"
    )
    # Every member of staff may see a "Find duplicates again" job, whoever started it.
    job = job_service.start_find_duplicates(people["csm"])
    return {
        "job": job.id,
        "theme": theme.id,
        "flag": flag.id,
        "bundle": decision.bundle_id,
        "other_bundle": other.bundle_id,
        "decision": decision.id,
        "loner": loner.id,
        "wish": wish.id,
        "user": target.id,
        "account": people["acme"].id,
        "area": people["area"].id,
    }


def _fill(value: str, scene: dict[str, int]) -> str:
    return value.format(**scene) if isinstance(value, str) else value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "access", "data"), ROUTES)
def test_route_access(client, auth, people, scene, role, method, path, access, data):
    if role != "anonymous":
        auth.login(people[role].email)
    url = _fill(path, scene)
    form = {k: _fill(v, scene) for k, v in (data or {}).items()}
    if url.startswith("/api/") and method == "PUT":
        response = client.open(url, method=method, json=form)
    else:
        response = client.open(url, method=method, data=form)
    response.close()
    location = response.headers.get("Location", "")
    if role in ALLOWED[access]:
        assert response.status_code not in (401, 403), response.data[:300]
        assert "/login" not in location or path in ("/logout", "/logout/everywhere")
        assert response.status_code < 500
    elif role == "anonymous":
        if url.startswith("/api/"):
            assert response.status_code == 401
        else:
            assert response.status_code == 302
            assert "/login" in location
    else:
        assert response.status_code == 403


def test_every_route_is_in_the_matrix(app):
    """A new route must be added to ROUTES, so nobody forgets to decide who may use it."""
    listed = {
        (method, re.sub(r"\{\w+\}", "<>", path.split("?")[0])) for method, path, _, _ in ROUTES
    }
    for rule in app.url_map.iter_rules():
        if rule.rule in EXEMPT or rule.endpoint == "static":
            continue
        shape = re.sub(r"<[^>]+>", "<>", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, shape) in listed, f"{method} {rule.rule} is not in ROUTES"
