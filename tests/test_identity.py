"""Verified sign-up, answers that do not reveal who is registered, and sessions that end."""

from __future__ import annotations

import pytest
from flask import g
from itsdangerous.timed import TimestampSigner
from sqlalchemy import func, select

from wishlist.extensions import db as _db
from wishlist.models import OutboundEmail, Role, User, Vote
from wishlist.services import users as user_service

from . import factories
from .test_auth import NEW_PASSWORD, find_user, other_app, signup


def verify_path(user: User) -> str:
    """The link the verification email carries, for this user's current nonce."""
    return f"/signup/verify/{user_service.verification_token(user)}"


def test_pending_user_is_no_member_and_cannot_sign_in_or_vote(client, auth, people):
    wish = factories.make_wish(people["customer"])
    signup(client, email="nina@acme.test")
    nina = find_user("nina@acme.test")
    assert nina.account_id is None
    response = auth.login("nina@acme.test", NEW_PASSWORD)
    assert response.status_code == 302
    assert "/signup/resend" in response.headers["Location"]
    assert client.get("/").status_code == 302
    vote = client.post(f"/wishes/{wish.id}/vote", data={"importance": "critical"})
    assert vote.status_code == 302
    assert "/login" in vote.headers["Location"]
    assert _db.session.scalar(select(func.count(Vote.id)).where(Vote.user_id == nina.id)) == 0


def test_pending_sign_in_says_pending(client, auth, people):
    signup(client, email="nina@acme.test")
    page = client.post(
        "/login",
        data={"email": "nina@acme.test", "password": NEW_PASSWORD},
        follow_redirects=True,
    )
    assert "pending verification" in page.text


def test_signup_queues_the_verification_email(client, people):
    signup(client, email="nina@acme.test")
    sent_to = OutboundEmail.to_address == "nina@acme.test"
    mail = _db.session.scalar(select(OutboundEmail).where(sent_to))
    assert mail is not None
    assert "/signup/verify/" in mail.body


def test_verification_link_works_once(client, auth, people):
    signup(client, email="nina@acme.test")
    path = verify_path(find_user("nina@acme.test"))
    assert client.get(path).status_code == 302
    nina = find_user("nina@acme.test")
    assert nina.account.name == "Acme Corp"
    assert nina.email_verified_at is not None
    assert auth.login("nina@acme.test", NEW_PASSWORD).headers["Location"] == "/"
    auth.logout()
    # Used: a second visit does nothing and says so.
    again = client.get(path, follow_redirects=True)
    assert "not valid or was already used" in again.text


def test_verification_link_expires_after_a_day(client, people, monkeypatch):
    signup(client, email="nina@acme.test")
    path = verify_path(find_user("nina@acme.test"))
    now = TimestampSigner.get_timestamp

    def a_day_later(self: TimestampSigner) -> int:
        return now(self) + 24 * 3600 + 60

    monkeypatch.setattr(TimestampSigner, "get_timestamp", a_day_later)
    page = client.get(path, follow_redirects=True)
    assert "expired" in page.text
    assert find_user("nina@acme.test").account_id is None


def test_resend_replaces_the_link(client, people):
    signup(client, email="nina@acme.test")
    old = verify_path(find_user("nina@acme.test"))
    assert client.post("/signup/resend", data={"email": "nina@acme.test"}).status_code == 200
    assert "not valid or was already used" in client.get(old, follow_redirects=True).text
    assert client.get(verify_path(find_user("nina@acme.test"))).status_code == 302
    assert find_user("nina@acme.test").account is not None


def test_resend_is_rate_limited(app, people):
    with other_app(app, RATELIMIT_ENABLED=True, RESEND_RATE_LIMIT="2 per minute") as limited:
        client = limited.test_client()
        data = {"email": "nobody@acme.test"}
        assert [client.post("/signup/resend", data=data).status_code for _ in range(2)] == [
            200,
            200,
        ]
        assert client.post("/signup/resend", data=data).status_code == 429


@pytest.mark.parametrize("path", ["/signup", "/signup/resend"])
def test_answers_are_the_same_for_known_and_unknown_addresses(client, people, path):
    signup(client, email="nina@acme.test")  # a pending sign-up, so resend has someone to find
    answers = []
    for email in ["carol@acme.test", "nina@acme.test", "ghost@acme.test", "x@nowhere.test"]:
        if path == "/signup":
            response = signup(client, email=email)
        else:
            response = client.post(path, data={"email": email})
        answers.append((response.status_code, response.text))
    assert len(set(answers)) == 1
    assert "If this address can sign up, we sent it a link" in answers[0][1]


def test_authenticate_checks_a_hash_for_unknown_emails(app, people, monkeypatch):
    calls = []
    real = user_service.check_password_hash

    def counting(hashed: str, password: str) -> bool:
        calls.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(user_service, "check_password_hash", counting)
    assert user_service.authenticate("ghost@acme.test", "whatever-password") is None
    assert calls == [user_service._DUMMY_HASH]
    assert user_service.authenticate("carol@acme.test", "wrong-password!") is None
    assert len(calls) == 2


def test_user_is_identified_by_session_token(app, people):
    carol = people["customer"]
    assert carol.get_id().split(".")[0] == carol.session_token
    assert not carol.get_id().startswith(f"{carol.id}.")


def _copy(client) -> dict[str, str]:
    """The client's sign-in cookies, as an attacker copying them would take them."""
    return {
        name: cookie.value
        for name in ("session", "remember_token")
        if (cookie := client.get_cookie(name)) is not None
    }


def _restore(client, cookies: dict[str, str]) -> None:
    """Put copied cookies back into the client."""
    for name, value in cookies.items():
        client.set_cookie(name, value)


def test_cookies_copied_before_sign_out_do_not_sign_in_after(client, people):
    client.post(
        "/login",
        data={"email": "carol@acme.test", "password": factories.PASSWORD, "remember": "y"},
    )
    stolen = _copy(client)
    assert set(stolen) == {"session", "remember_token"}
    client.post("/logout")
    _restore(client, stolen)
    response = _page(client)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_remember_cookie_alone_still_signs_in(client, people):
    client.post(
        "/login",
        data={"email": "carol@acme.test", "password": factories.PASSWORD, "remember": "y"},
    )
    client.delete_cookie("session")
    assert _page(client).status_code == 200


def test_remember_cookie_differs_between_sign_ins(app, people):
    data = {"email": "carol@acme.test", "password": factories.PASSWORD, "remember": "y"}
    first, second = app.test_client(), app.test_client()
    first.post("/login", data=data)
    g.pop("_login_user", None)
    second.post("/login", data=data)
    assert first.get_cookie("remember_token").value != second.get_cookie("remember_token").value
    # A second sign-in does not end the first device's session.
    assert _page(first).status_code == 200


def _page(client, path: str = "/me/votes"):  # noqa: ANN202 - the test response
    """GET a page as a new request would: no user cached from an earlier one."""
    # The tests share one app context, so Flask-Login's per-request cache in g would leak.
    g.pop("_login_user", None)
    return client.get(path)


def _signed_in(app, email: str):  # noqa: ANN202 - a test client
    """A separate browser signed in as this user."""
    other = app.test_client()
    other.post("/login", data={"email": email, "password": factories.PASSWORD})
    assert _page(other).status_code == 200
    return other


def test_password_change_ends_other_sessions(app, people):
    other = _signed_in(app, "carol@acme.test")
    carol = _db.session.get(User, people["customer"].id)
    user_service.change_password(carol, factories.PASSWORD, NEW_PASSWORD)
    assert _page(other).status_code == 302


@pytest.mark.parametrize(
    "change",
    [
        {"role": Role.CUSTOMER, "active": False},
        {"role": Role.CSM, "active": True},
    ],
)
def test_deactivation_or_role_change_ends_sessions(app, people, change):
    other = _signed_in(app, "carol@acme.test")
    user_service.update_user(
        people["customer"].id,
        change["role"],
        people["acme"].id,
        change["active"],
        acting=people["admin"],
    )
    assert _page(other).status_code == 302


def test_account_only_change_keeps_sessions(app, people):
    other = _signed_in(app, "carol@acme.test")
    user_service.update_user(
        people["customer"].id, Role.CUSTOMER, people["globex"].id, True, acting=people["admin"]
    )
    assert _page(other).status_code == 200


def test_sign_out_everywhere(app, client, auth, people):
    other = _signed_in(app, "carol@acme.test")
    auth.login("carol@acme.test")
    assert "Sign out everywhere" in client.get("/").text
    response = client.post("/logout/everywhere")
    assert response.status_code == 302
    assert _page(client).status_code == 302
    assert _page(other).status_code == 302
    assert client.get("/logout/everywhere").status_code == 405


def test_changing_own_password_keeps_this_browser_and_ends_others(app, client, auth, people):
    other = _signed_in(app, "carol@acme.test")
    g.pop("_login_user", None)
    auth.login("carol@acme.test")
    response = client.post(
        "/password",
        data={"current": factories.PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _page(client).status_code == 200
    assert _page(other).status_code == 302


def test_password_change_needs_the_current_password(client, auth, people):
    auth.login("carol@acme.test")
    response = client.post(
        "/password",
        data={"current": "not-my-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "current password is not correct" in response.text
