"""Signing in and out, sign-up, invitations, redirects after sign-in, rate limits and CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from wishlist import create_app
from wishlist.config import Config
from wishlist.extensions import db as _db
from wishlist.models import Role, User
from wishlist.services.users import create_user, hash_password

from . import factories

NEW_PASSWORD = "a-brand-new-passphrase"
GENERIC_LOGIN_ERROR = "Email or password is incorrect."


def flashes(html: str) -> list[str]:
    """The flash messages shown on a page."""
    return re.findall(r'<div class="flash flash--\w+">(.*?)</div>', html, re.S)


def user_count() -> int:
    """How many users exist (after discarding anything a request left uncommitted)."""
    _db.session.rollback()
    return _db.session.scalar(select(func.count(User.id))) or 0


def find_user(email: str) -> User | None:
    """The stored user with this email, freshly read."""
    _db.session.rollback()
    _db.session.expire_all()
    return _db.session.scalar(select(User).where(User.email == email))


@contextmanager
def other_app(base: Flask, **overrides: Any) -> Iterator[Flask]:
    """A second app on the same test database with some settings changed."""
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": base.config["SQLALCHEMY_DATABASE_URI"]}
    config.update(overrides)
    app = create_app(config)
    try:
        yield app
    finally:
        with app.app_context():
            _db.engine.dispose()


def csrf_token_from(html: str) -> str:
    """The CSRF token a form on the page carries."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "page has no CSRF token"
    return match.group(1)


def invite_link_from(html: str) -> str:
    """The invitation path shown on an admin page."""
    match = re.search(r'value="https?://[^/"]+(/invite/[^"]+)"', html)
    assert match, "page shows no invitation link"
    return match.group(1)


# --- Signing in -------------------------------------------------------------------------------


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Sign in" in response.text
    assert 'name="password"' in response.text


def test_login_success_redirects_home_and_signs_in(client, auth, people):
    response = auth.login("carol@acme.test")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Carol" in home.text
    assert "Sign out" in home.text


def test_login_email_is_case_insensitive(auth, people):
    response = auth.login("  Carol@ACME.test ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_records_last_login(auth, people):
    assert find_user("carol@acme.test").last_login_at is None
    auth.login("carol@acme.test")
    assert find_user("carol@acme.test").last_login_at is not None


def test_wrong_password_and_unknown_email_get_same_generic_answer(client, auth, people):
    wrong = auth.login("carol@acme.test", "not-the-password")
    unknown = auth.login("nobody@acme.test", "not-the-password")
    assert wrong.status_code == unknown.status_code == 401
    assert flashes(wrong.text) == flashes(unknown.text) == [GENERIC_LOGIN_ERROR]
    # Still signed out: the home page sends people to the sign-in form.
    assert client.get("/").status_code == 302


def test_invited_user_without_password_cannot_sign_in_with_empty_guess(auth, people):
    create_user("invitee@vendor.test", Role.PM)
    response = auth.login("invitee@vendor.test", "anything-at-all")
    assert response.status_code == 401
    assert flashes(response.text) == [GENERIC_LOGIN_ERROR]


def test_deactivated_user_cannot_sign_in(client, auth, db, people):
    people["customer"].active = False
    db.session.commit()
    response = auth.login("carol@acme.test")
    assert response.status_code == 401
    assert flashes(response.text) == [GENERIC_LOGIN_ERROR]
    assert client.get("/").status_code == 302


def test_missing_fields_do_not_sign_in(client, people):
    response = client.post("/login", data={"email": "carol@acme.test"})
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_signed_in_user_visiting_login_goes_home(client, auth, people):
    auth.login("carol@acme.test")
    response = client.get("/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_protected_page_sends_anonymous_to_login_and_back(client, people):
    response = client.get("/wishes/new")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    assert login_url == "/login?next=/wishes/new"
    page = client.get(login_url)
    assert "Please sign in to see that page." in page.text
    signed_in = client.post(
        login_url, data={"email": "carol@acme.test", "password": factories.PASSWORD}
    )
    assert signed_in.headers["Location"] == "/wishes/new"


@pytest.mark.parametrize("target", ["/wishes/new", "/me/votes?page=2"])
def test_login_follows_safe_next(client, people, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "carol@acme.test", "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "//evil.test",
        "//evil.test/path",
        "https://evil.test/x",
        "http://evil.test",
        "/\\evil.test",
        "/\\\\evil.test",
        "\\\\evil.test",
        "/\t/evil.test",
        " //evil.test",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "evil.test",
    ],
)
def test_login_ignores_unsafe_next(client, people, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "carol@acme.test", "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_samesite_lax(auth, people):
    response = auth.login("carol@acme.test")
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "signing in sets the session cookie"
    assert "HttpOnly" in cookies[0]
    assert "SameSite=Lax" in cookies[0]


def test_remember_me_cookie_is_httponly_and_samesite_lax(client, people):
    response = client.post(
        "/login",
        data={"email": "carol@acme.test", "password": factories.PASSWORD, "remember": "y"},
    )
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert cookies, "'keep me signed in' sets the remember cookie"
    assert "HttpOnly" in cookies[0]
    assert "SameSite=Lax" in cookies[0]


# --- Signing out ------------------------------------------------------------------------------


def test_logout_by_get_is_not_allowed(client, auth, people):
    auth.login("carol@acme.test")
    response = client.get("/logout")
    assert response.status_code == 405
    # Still signed in.
    assert client.get("/").status_code == 200


def test_logout_signs_out(client, auth, people):
    auth.login("carol@acme.test")
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login")
    assert "You are signed out." in page.text
    assert client.get("/").status_code == 302


# --- Passwords --------------------------------------------------------------------------------


def test_passwords_are_stored_hashed(app, client, people):
    client.post(
        "/signup",
        data={
            "name": "Hashed Henry",
            "email": "henry@acme.test",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    stored = find_user("henry@acme.test").password_hash
    assert stored != NEW_PASSWORD
    assert NEW_PASSWORD not in stored
    assert stored.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")


def test_production_hashing_uses_scrypt(app):
    # The test config uses a cheap KDF for speed; a real installation must use scrypt.
    assert Config.PASSWORD_HASH_METHOD == "scrypt"
    with other_app(app, PASSWORD_HASH_METHOD="scrypt") as strong, strong.app_context():
        assert hash_password(NEW_PASSWORD).startswith("scrypt:")


# --- Sign-up ----------------------------------------------------------------------------------


def signup(client, **fields: str):  # noqa: ANN201 - the test response
    """Post the sign-up form with sensible defaults."""
    data = {
        "name": "Nina New",
        "email": "nina@acme.test",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(fields)
    return client.post("/signup", data=data)


def test_signup_page_renders(client):
    response = client.get("/signup")
    assert response.status_code == 200
    assert "work email" in response.text


def test_signup_with_known_domain_is_pending_until_verified(client, people):
    response = signup(client, email="Nina@ACME.test")
    assert response.status_code == 200
    assert "Pending verification" in response.text
    user = find_user("nina@acme.test")
    assert user is not None
    assert user.role == Role.CUSTOMER
    # Not a member until the emailed link is used, and not signed in.
    assert user.account is None
    assert user.is_pending_verification
    assert user.name == "Nina New"
    assert client.get("/").status_code == 302


def test_signup_with_unknown_domain_creates_nobody(client, people):
    before = user_count()
    response = signup(client, email="nina@unknown-company.test")
    assert response.status_code == 200
    assert "If this address can sign up, we sent it a link" in response.text
    assert user_count() == before
    assert find_user("nina@unknown-company.test") is None
    assert client.get("/").status_code == 302


def test_signup_with_short_password_is_refused(client, people):
    before = user_count()
    response = signup(client, password="short", confirm="short")
    assert response.status_code == 400
    assert "between 10 and 200 characters" in response.text
    assert user_count() == before


def test_signup_with_mismatched_confirmation_is_refused(client, people):
    before = user_count()
    response = signup(client, confirm=NEW_PASSWORD + "x")
    assert response.status_code == 400
    assert "Passwords do not match." in response.text
    assert user_count() == before
    assert client.get("/").status_code == 302


def test_signup_with_invalid_email_is_refused(client, people):
    before = user_count()
    response = signup(client, email="not an email@acme.test")
    assert response.status_code == 400
    assert "not valid" in response.text
    assert user_count() == before


def test_signup_with_registered_email_changes_nothing(client, auth, people):
    before = user_count()
    response = signup(client, email="carol@acme.test", name="Impostor")
    assert response.status_code == 200
    assert "If this address can sign up, we sent it a link" in response.text
    assert user_count() == before
    carol = find_user("carol@acme.test")
    assert carol.name == "Carol"
    # The original owner's password still works; the impostor's does not.
    assert auth.login("carol@acme.test", NEW_PASSWORD).status_code == 401
    assert auth.login("carol@acme.test").status_code == 302


def test_signup_can_be_switched_off(app, people):
    with other_app(app, SIGNUP_ENABLED=False) as closed:
        client = closed.test_client()
        assert client.get("/signup").status_code == 404
        assert signup(client).status_code == 404
        assert "Sign up" not in client.get("/login").text
    assert find_user("nina@acme.test") is None


# --- Invitations ------------------------------------------------------------------------------


def invite_via_admin(client, auth, people, email: str = "ivy@vendor.test") -> str:
    """Sign in as the admin, create a user without a password, return the invite path."""
    auth.login(people["admin"].email)
    response = client.post(
        "/admin/users",
        data={"email": email, "name": "Ivy", "role": "pm", "account": "0", "password": ""},
    )
    assert response.status_code == 200
    assert f"{email} is invited" in response.text
    link = invite_link_from(response.text)
    auth.logout()
    return link


def test_invitation_flow_sets_password_once(client, auth, people):
    link = invite_via_admin(client, auth, people)
    invited = find_user("ivy@vendor.test")
    assert invited.password_hash is None

    form = client.get(link)
    assert form.status_code == 200
    assert "ivy@vendor.test" in form.text
    assert "Set password" in form.text

    response = client.post(
        link, data={"name": "Ivy Ingram", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Your password is set" in home.text
    assert "Ivy Ingram" in home.text
    stored = find_user("ivy@vendor.test")
    assert stored.name == "Ivy Ingram"
    assert stored.password_hash and NEW_PASSWORD not in stored.password_hash

    # The link works once only, signed in or not.
    assert client.get(link).status_code == 404
    auth.logout()
    assert client.get(link).status_code == 404
    again = client.post(
        link, data={"name": "Mallory", "password": "another-password-1", "confirm": "x"}
    )
    assert again.status_code == 404
    assert auth.login("ivy@vendor.test", NEW_PASSWORD).status_code == 302


def test_invitation_with_mismatched_password_keeps_link_valid(client, auth, people):
    link = invite_via_admin(client, auth, people)
    response = client.post(
        link, data={"name": "Ivy", "password": NEW_PASSWORD, "confirm": "something-else-1"}
    )
    assert response.status_code == 400
    assert "Passwords do not match." in response.text
    assert find_user("ivy@vendor.test").password_hash is None
    assert client.get(link).status_code == 200


def test_invitation_with_short_password_is_refused(client, auth, people):
    link = invite_via_admin(client, auth, people)
    response = client.post(link, data={"name": "Ivy", "password": "short", "confirm": "short"})
    assert response.status_code == 400
    assert find_user("ivy@vendor.test").password_hash is None


@pytest.mark.parametrize(
    "tamper",
    [
        # A character inside the signature: the last one carries padding bits, and changing
        # only those leaves the decoded signature, and so the link, valid.
        lambda token: token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:],
        lambda token: token[:5] + ("x" if token[5] != "x" else "y") + token[6:],
        lambda token: token + "extra",
        lambda token: "not-a-token",
    ],
)
def test_tampered_invitation_is_not_found(client, auth, people, tamper):
    link = invite_via_admin(client, auth, people)
    token = link.rsplit("/", 1)[1]
    bad = f"/invite/{tamper(token)}"
    assert client.get(bad).status_code == 404
    response = client.post(
        bad, data={"name": "X", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 404
    assert find_user("ivy@vendor.test").password_hash is None
    # The genuine link still works.
    assert client.get(link).status_code == 200


def test_invitation_for_deactivated_user_is_not_found(client, auth, db, people):
    link = invite_via_admin(client, auth, people)
    find_user("ivy@vendor.test").active = False
    db.session.commit()
    assert client.get(link).status_code == 404


def test_invitation_signed_with_another_key_is_not_found(app, client, auth, people):
    link = invite_via_admin(client, auth, people)
    with other_app(app, SECRET_KEY="a-different-secret") as foreign:
        assert foreign.test_client().get(link).status_code == 404


# --- Rate limit -------------------------------------------------------------------------------


def test_login_is_rate_limited(app, people):
    with other_app(app, RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute") as limited:
        client = limited.test_client()
        data = {"email": "carol@acme.test", "password": "wrong-password-1"}
        statuses = [client.post("/login", data=data).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        blocked = client.post("/login", data=data)
        assert blocked.status_code == 429
        assert "Too many attempts" in blocked.text
        # Even the right password waits until the window passes.
        right = client.post("/login", data={**data, "password": factories.PASSWORD})
        assert right.status_code == 429
        # Showing the form is not limited.
        assert client.get("/login").status_code == 200


# --- CSRF -------------------------------------------------------------------------------------


def test_login_without_csrf_token_is_rejected(app, people):
    with other_app(app, WTF_CSRF_ENABLED=True) as guarded:
        client = guarded.test_client()
        response = client.post(
            "/login", data={"email": "carol@acme.test", "password": factories.PASSWORD}
        )
        assert response.status_code == 400
        assert "Form expired" in response.text
        assert client.get("/").status_code == 302


def test_logout_without_csrf_token_is_rejected(app, people):
    with other_app(app, WTF_CSRF_ENABLED=True) as guarded:
        client = guarded.test_client()
        token = csrf_token_from(client.get("/login").text)
        signed_in = client.post(
            "/login",
            data={"email": "carol@acme.test", "password": factories.PASSWORD, "csrf_token": token},
        )
        assert signed_in.status_code == 302

        refused = client.post("/logout")
        assert refused.status_code == 400
        assert "Form expired" in refused.text
        assert client.get("/").status_code == 200  # still signed in

        home = client.get("/")
        signed_out = client.post("/logout", data={"csrf_token": csrf_token_from(home.text)})
        assert signed_out.status_code == 302
        assert client.get("/").status_code == 302


def test_signup_without_csrf_token_is_rejected(app, people):
    with other_app(app, WTF_CSRF_ENABLED=True) as guarded:
        response = signup(guarded.test_client())
        assert response.status_code == 400
        assert "Form expired" in response.text
    assert find_user("nina@acme.test") is None


def test_sign_out_leaves_no_messages_for_the_next_person(client, auth, people):
    """A staff member's unread message must not greet the next person at that browser."""
    auth.login("sam@vendor.test")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Flagged Big Co: churn risk.")]
    auth.logout()
    auth.login("carol@acme.test")
    page = client.get("/").data
    assert b"Flagged Big Co" not in page
