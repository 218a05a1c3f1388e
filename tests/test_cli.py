"""The `flask` commands: creating and listing users, and loading the demo data."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from wishlist.extensions import db as _db
from wishlist.models import (
    Account,
    Comment,
    Importance,
    ProductArea,
    Role,
    StatusChange,
    User,
    Vote,
    Wish,
    WishStatus,
)
from wishlist.services.users import verification_token

from . import factories

DEMO_LOGINS = {
    "customer@demo.test": Role.CUSTOMER,
    "csm@demo.test": Role.CSM,
    "pm@demo.test": Role.PM,
    "admin@demo.test": Role.ADMIN,
}
COUNTED = {
    "accounts": Account,
    "users": User,
    "product areas": ProductArea,
    "wishes": Wish,
    "votes": Vote,
    "comments": Comment,
    "status changes": StatusChange,
}


def fresh_user(email: str) -> User | None:
    """The stored user with this email, as the command left it."""
    _db.session.rollback()
    _db.session.expire_all()
    return _db.session.scalar(select(User).where(User.email == email))


def counts() -> dict[str, int]:
    """How many rows of each kind are stored."""
    _db.session.rollback()
    return {
        name: _db.session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in COUNTED.items()
    }


def reported_counts(output: str) -> dict[str, int]:
    """The counts the demo command says it loaded."""
    line = re.search(r"Demo data loaded: (.*)\.", output).group(1)
    return {name: int(n) for n, name in (part.split(" ", 1) for part in line.split(", "))}


def reported_rows(output: str) -> dict[str, int]:
    """The reported counts of the kinds of rows `counts()` looks at."""
    return {k: v for k, v in reported_counts(output).items() if k in COUNTED}


# --- users create -----------------------------------------------------------------------------


def test_users_create_with_password(runner, auth):
    result = runner.invoke(
        args=["users", "create", "Pat@Vendor.test", "--role", "pm", "--password", "pm-password-1"]
    )
    assert result.exit_code == 0, result.output
    assert "Created pat@vendor.test (pm)." in result.output
    assert "Invitation" not in result.output
    user = fresh_user("pat@vendor.test")
    assert user.role == Role.PM
    assert user.account is None
    assert user.name == "pat"
    assert user.password_hash and "pm-password-1" not in user.password_hash
    assert auth.login("pat@vendor.test", "pm-password-1").status_code == 302


def test_users_create_with_name(runner):
    result = runner.invoke(
        args=["users", "create", "sam@vendor.test", "--role", "csm", "--name", "Sam Success"]
    )
    assert result.exit_code == 0, result.output
    assert fresh_user("sam@vendor.test").name == "Sam Success"


def test_users_create_without_password_prints_working_invitation(runner, client):
    result = runner.invoke(args=["users", "create", "ada@vendor.test", "--role", "admin"])
    assert result.exit_code == 0, result.output
    match = re.search(r"Invitation path: (/invite/\S+)", result.output)
    assert match, result.output
    assert fresh_user("ada@vendor.test").password_hash is None

    path = match.group(1)
    assert client.get(path).status_code == 200
    response = client.post(
        path, data={"name": "Ada", "password": "admin-password-1", "confirm": "admin-password-1"}
    )
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200
    assert client.get(path).status_code == 404


def test_users_create_links_account_by_domain_or_name(runner, people):
    by_domain = runner.invoke(
        args=["users", "create", "dana@acme.test", "--account", "ACME.test", "--password", "x" * 12]
    )
    assert by_domain.exit_code == 0, by_domain.output
    assert fresh_user("dana@acme.test").account_id == people["acme"].id

    by_name = runner.invoke(args=["users", "create", "gil@globex.test", "--account", "globex"])
    assert by_name.exit_code == 0, by_name.output
    stored = fresh_user("gil@globex.test")
    assert stored.account_id == people["globex"].id
    assert stored.role == Role.CUSTOMER


def test_users_create_with_unknown_account_fails(runner, people):
    result = runner.invoke(
        args=["users", "create", "who@initech.test", "--account", "initech.test"]
    )
    assert result.exit_code != 0
    assert "No account with the domain or name 'initech.test'." in result.output
    assert fresh_user("who@initech.test") is None


def test_users_create_customer_without_account_fails(runner):
    result = runner.invoke(args=["users", "create", "lonely@nowhere.test"])
    assert result.exit_code != 0
    assert "Customers must belong to an account." in result.output
    assert fresh_user("lonely@nowhere.test") is None


def test_users_create_duplicate_email_fails(runner, people):
    before = counts()["users"]
    result = runner.invoke(
        args=[
            "users",
            "create",
            "CAROL@acme.test",
            "--account",
            "acme.test",
            "--password",
            "p" * 12,
        ]
    )
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert counts()["users"] == before
    # The existing Carol is untouched.
    assert fresh_user("carol@acme.test").name == "Carol"


def test_users_create_invalid_email_fails(runner):
    for email in ("not-an-email", "two@@vendor.test", "space in@vendor.test"):
        result = runner.invoke(args=["users", "create", email, "--role", "pm"])
        assert result.exit_code != 0, email
        assert "not valid" in result.output
    assert counts()["users"] == 0


def test_users_create_short_password_fails(runner):
    result = runner.invoke(
        args=["users", "create", "pm@vendor.test", "--role", "pm", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert fresh_user("pm@vendor.test") is None


def test_users_create_unknown_role_fails(runner):
    result = runner.invoke(args=["users", "create", "boss@vendor.test", "--role", "overlord"])
    assert result.exit_code != 0
    assert "overlord" in result.output
    assert fresh_user("boss@vendor.test") is None


# --- users list -------------------------------------------------------------------------------


def test_users_list_shows_emails_roles_and_accounts(runner, db, people):
    people["other"].active = False
    db.session.commit()
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    rows = {line.split("\t")[0]: line.split("\t")[1:] for line in result.output.splitlines()}
    assert rows == {
        "carol@acme.test": ["customer", "Acme Corp"],
        "oscar@globex.test": ["customer", "Globex (deactivated)"],
        "sam@vendor.test": ["csm", "-"],
        "pat@vendor.test": ["pm", "-"],
        "ada@vendor.test": ["admin", "-"],
    }


def test_users_list_on_empty_database(runner):
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert result.output == ""


# --- demo -------------------------------------------------------------------------------------


def test_demo_loads_realistic_data(runner, client, auth, db):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    loaded = counts()
    assert reported_rows(result.output) == loaded
    reported = reported_counts(result.output)
    # The demo also tells the bundling and value story.
    for story in ("suggested bundles", "confirmed bundles", "themes", "risk flags"):
        assert reported[story] > 0, story
    assert loaded["accounts"] == 15
    assert loaded["users"] == 40
    assert loaded["wishes"] >= 250
    assert loaded["product areas"] >= 5
    assert loaded["votes"] >= loaded["wishes"]  # every author votes for their own wish
    assert "customer@demo.test" in result.output

    session = db.session
    importances = set(session.scalars(select(Vote.importance).distinct()))
    assert importances == {Importance.NICE, Importance.IMPORTANT, Importance.CRITICAL}

    internal = set(session.scalars(select(Comment.internal).distinct()))
    assert internal == {True, False}
    internal_authors = session.scalars(
        select(User.role).join(Comment, Comment.author_id == User.id).where(Comment.internal)
    )
    assert set(internal_authors) <= {Role.CSM, Role.PM, Role.ADMIN}

    declined = session.scalars(select(Wish).where(Wish.status == WishStatus.DECLINED)).all()
    assert declined
    for wish in declined:
        assert wish.status_reason.strip()
        last = wish.status_changes[-1]
        assert (last.to_status, last.reason) == (WishStatus.DECLINED, wish.status_reason)
    statuses = set(session.scalars(select(Wish.status).distinct()))
    assert {WishStatus.NEW, WishStatus.SHIPPED, WishStatus.DECLINED} <= statuses
    # Every wish's history starts with its creation.
    first_steps = session.scalar(
        select(func.count()).select_from(StatusChange).where(StatusChange.from_status.is_(None))
    )
    assert first_steps == loaded["wishes"]

    # Customers belong to accounts; nobody is listed twice.
    assert (
        session.scalar(
            select(func.count()).where(User.role == Role.CUSTOMER, User.account_id.is_(None))
        )
        == 0
    )
    assert session.scalar(select(func.count(func.distinct(User.email)))) == loaded["users"]

    for email, role in DEMO_LOGINS.items():
        assert fresh_user(email).role == role
        response = auth.login(email, "demo-password")
        assert response.status_code == 302, email
        assert response.headers["Location"] == "/"
        assert client.get("/").status_code == 200
        auth.logout()
    assert client.get("/admin/users").status_code == 302
    auth.login("admin@demo.test", "demo-password")
    assert client.get("/admin/users").status_code == 200
    # The demo's own account domain lets a colleague sign up.
    auth.logout()
    signup = client.post(
        "/signup",
        data={
            "name": "Demo Colleague",
            "email": "colleague@demo.test",
            "password": "colleague-password",
            "confirm": "colleague-password",
        },
    )
    assert signup.status_code == 200
    # Membership waits for the emailed link.
    client.get(f"/signup/verify/{verification_token(fresh_user('colleague@demo.test'))}")
    assert (
        fresh_user("colleague@demo.test").account.name
        == fresh_user("customer@demo.test").account.name
    )


def test_demo_refuses_non_empty_database(runner, people):
    factories.make_wish(people["customer"], "Keep me")
    before = counts()
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "already has data" in result.output
    assert "--reset" in result.output
    assert counts() == before
    assert fresh_user("customer@demo.test") is None


def test_demo_if_empty_leaves_existing_data(runner, people):
    before = counts()
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "demo data not loaded" in result.output
    assert counts() == before
    assert fresh_user("customer@demo.test") is None


def test_demo_reset_replaces_data(runner, people):
    factories.make_wish(people["customer"], "Old wish that should go")
    first = runner.invoke(args=["demo", "--reset"])
    assert first.exit_code == 0, first.output
    after_first = counts()
    assert reported_rows(first.output) == after_first
    assert (after_first["accounts"], after_first["users"]) == (15, 40)
    # The old data is gone.
    assert fresh_user("carol@acme.test") is None
    assert _db.session.scalar(select(Account).where(Account.name == "Acme Corp")) is None
    assert _db.session.scalar(select(Wish).where(Wish.title == "Old wish that should go")) is None

    second = runner.invoke(args=["demo", "--reset"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first
    assert reported_rows(second.output) == after_first
    assert _db.session.scalar(select(func.count(func.distinct(User.email)))) == 40
    assert _db.session.scalar(select(func.count(func.distinct(Account.name)))) == 15
