"""Huge or malformed ids are 404/400, never 500; API errors share one JSON shape."""

from __future__ import annotations

import pytest

HUGE = "99999999999999999999999"

GET_ROUTES = [
    f"/wishes/{HUGE}",
    f"/wishes/{HUGE}/edit",
    f"/review/bundles/{HUGE}",
    f"/value/bundles/{HUGE}",
    f"/accounts/{HUGE}",
    f"/admin/users/{HUGE}",
    f"/admin/accounts/{HUGE}",
    f"/admin/areas/{HUGE}",
    f"/api/v1/wishes/{HUGE}",
    "/wishes/9223372036854775808",
    "/wishes/-1",
    "/wishes/abc",
]
POST_ROUTES = [
    f"/wishes/{HUGE}/vote",
    f"/wishes/{HUGE}/comments",
    f"/wishes/{HUGE}/withdraw",
    f"/review/bundles/{HUGE}/accept",
    f"/review/bundles/1/remove/{HUGE}",
    f"/review/wishes/{HUGE}/bundle-with/1",
    f"/value/bundles/{HUGE}/flags",
]
QUERIES = [
    "/?area=1e99",
    f"/?area={HUGE}",
    "/?page=-1",
    "/?page=abc",
    f"/?page={HUGE}",
    "/api/v1/wishes?area=1e99",
    f"/api/v1/wishes?area={HUGE}",
    "/api/v1/wishes?page=-1",
    "/api/v1/wishes?page=abc",
    "/review/?page=abc",
    f"/review/?page={HUGE}",
]


@pytest.mark.parametrize("role", ["customer", "pm", "admin"])
@pytest.mark.parametrize("path", GET_ROUTES + QUERIES)
def test_malformed_ids_in_gets(client, auth, people, role: str, path: str) -> None:
    """Every GET with a bad id or filter answers 4xx, as customer and as staff."""
    auth.login(people[role].email)
    assert client.get(path).status_code in (400, 403, 404)


@pytest.mark.parametrize("role", ["customer", "pm"])
@pytest.mark.parametrize("path", POST_ROUTES)
def test_malformed_ids_in_posts(client, auth, people, role: str, path: str) -> None:
    """Every POST with a huge id answers 4xx."""
    auth.login(people[role].email)
    assert client.post(path).status_code in (400, 403, 404)


def _assert_api_error(response, status: int, code: str) -> None:
    """The response is the shared API error body with this status and code."""
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert body["error"]["fields"] == {}


def test_api_errors_share_one_shape(client, auth, people, app) -> None:
    """401, 404, 405, 400 and 403 under /api/ all answer {"error": {code, message, fields}}."""
    _assert_api_error(client.get("/api/v1/wishes"), 401, "unauthorized")
    auth.login(people["customer"].email)
    _assert_api_error(client.get(f"/api/v1/wishes/{HUGE}"), 404, "not_found")
    _assert_api_error(client.get("/api/v1/wishes/12345"), 404, "not_found")
    _assert_api_error(client.get("/api/v1/nothing-here"), 404, "not_found")
    _assert_api_error(client.post("/api/v1/wishes/1"), 405, "method_not_allowed")
    _assert_api_error(client.get("/api/v1/wishes?page=abc"), 400, "bad_request")
    _assert_api_error(client.get("/api/v1/wishes/similar?limit=x"), 400, "bad_request")


def test_api_forbidden_shape(app) -> None:
    """A 403 raised under /api/ has the same shape."""
    from flask import abort

    @app.route("/api/v1/_forbidden_probe")
    def probe() -> None:
        """Always refuse."""
        abort(403)

    _assert_api_error(app.test_client().get("/api/v1/_forbidden_probe"), 403, "forbidden")
