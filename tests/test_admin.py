"""Administration: who gets in, accounts, product areas, users and roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from wishlist.extensions import db as _db
from wishlist.models import Account, ProductArea, Role, User
from wishlist.services.users import verification_token

from . import factories

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/accounts", "/admin/areas"]


def fresh(model, **where):  # noqa: ANN001, ANN201 - a model class and its stored row
    """The stored row matching the filters, read after discarding uncommitted changes."""
    _db.session.rollback()
    _db.session.expire_all()
    return _db.session.scalar(select(model).filter_by(**where))


def count(model) -> int:  # noqa: ANN001 - a model class
    """How many rows of this model are stored."""
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model)) or 0


def flashes(html: str) -> list[str]:
    """The flash messages shown on a page."""
    return re.findall(r'<div class="flash flash--\w+">(.*?)</div>', html, re.S)


def select_options(html: str, field: str) -> list[str]:
    """The visible labels of a select box's options."""
    match = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"page has no {field} select"
    return [label.strip() for label in re.findall(r"<option[^>]*>(.*?)</option>", match.group(1))]


@pytest.fixture
def admin_client(client, auth, people):  # noqa: ANN001, ANN201 - the signed-in test client
    """A client signed in as the admin."""
    assert auth.login(people["admin"].email).status_code == 302
    return client


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["customer", "csm", "pm"])
def test_non_admins_are_forbidden(client, auth, people, role):
    auth.login(people[role].email)
    for path in ADMIN_PAGES:
        methods = [client.get] if path == "/admin/" else [client.get, client.post]
        for method in methods:
            response = method(path, data={"name": "Sneaky", "email_domain": "sneaky.example.com"})
            assert response.status_code == 403, (method, path)
            assert "Not allowed" in response.text
    assert count(Account) == 2
    assert fresh(Account, name="Sneaky") is None


def test_anonymous_is_sent_to_login(client, people):
    ids = (people["pm"].id, people["acme"].id, people["area"].id)
    edit_pages = ["/admin/users/{}", "/admin/accounts/{}", "/admin/areas/{}"]
    for path in ADMIN_PAGES + [page.format(n) for page, n in zip(edit_pages, ids, strict=True)]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == f"/login?next={path}"
    response = client.post("/admin/accounts", data={"name": "Sneaky", "email_domain": "x.test"})
    assert response.status_code == 302
    assert count(Account) == 2


def test_non_admin_cannot_edit_a_user(client, auth, people):
    auth.login(people["pm"].email)
    target = people["pm"]
    response = client.post(
        f"/admin/users/{target.id}", data={"role": "admin", "account": "0", "active": "y"}
    )
    assert response.status_code == 403
    assert fresh(User, id=target.id).role == Role.PM


@pytest.mark.parametrize("path", ["/admin/users", "/admin/accounts", "/admin/areas"])
def test_admin_reaches_admin_pages(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 200
    assert "Administration" in response.text


def test_admin_home_goes_to_users(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"


def test_admin_link_only_shown_to_admins(client, auth, people):
    auth.login(people["pm"].email)
    assert 'href="/admin/users"' not in client.get("/").text
    auth.logout()
    auth.login(people["admin"].email)
    assert 'href="/admin/users"' in client.get("/").text


@pytest.mark.parametrize("path", ["/admin/users/999", "/admin/accounts/999", "/admin/areas/999"])
def test_editing_something_missing_is_not_found(admin_client, path):
    assert admin_client.get(path).status_code == 404


# --- Accounts ---------------------------------------------------------------------------------


def test_create_account(admin_client):
    response = admin_client.post(
        "/admin/accounts", data={"name": "Initech", "email_domain": "@Initech.Example.com"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/accounts"
    page = admin_client.get("/admin/accounts")
    assert "Account Initech is created." in page.text
    assert "initech.example.com" in page.text
    stored = fresh(Account, name="Initech")
    assert stored.email_domain == "initech.example.com"
    assert count(Account) == 3


def test_create_account_without_domain(admin_client):
    response = admin_client.post("/admin/accounts", data={"name": "Hooli", "email_domain": ""})
    assert response.status_code == 302
    assert fresh(Account, name="Hooli").email_domain is None


def test_new_account_domain_allows_sign_up(client, auth, people):
    auth.login(people["admin"].email)
    client.post("/admin/accounts", data={"name": "Initech", "email_domain": "initech.test"})
    auth.logout()
    response = client.post(
        "/signup",
        data={
            "name": "Peter",
            "email": "peter@initech.test",
            "password": "tps-reports-2000",
            "confirm": "tps-reports-2000",
        },
    )
    assert response.status_code == 200
    peter = fresh(User, email="peter@initech.test")
    assert peter.is_pending_verification
    client.get(f"/signup/verify/{verification_token(peter)}")
    assert fresh(User, email="peter@initech.test").account.name == "Initech"


@pytest.mark.parametrize(
    "name, domain",
    [
        ("Acme Corp", "acme-two.test"),
        ("ACME CORP", ""),
        ("Acme Two", "acme.test"),
        ("Acme Two", "ACME.test"),
    ],
)
def test_duplicate_account_name_or_domain_is_refused(admin_client, name, domain):
    response = admin_client.post("/admin/accounts", data={"name": name, "email_domain": domain})
    assert response.status_code == 400
    assert "Another account already uses that name or domain (Acme Corp)." in response.text
    assert count(Account) == 2


@pytest.mark.parametrize("domain", ["not a domain", "nodot", "someone@acme.example.com"])
def test_bad_account_domain_is_refused(admin_client, domain):
    response = admin_client.post(
        "/admin/accounts", data={"name": "Initech", "email_domain": domain}
    )
    assert response.status_code == 400
    assert "is not an email domain" in response.text
    assert count(Account) == 2
    assert fresh(Account, name="Initech") is None


def test_account_without_name_is_refused(admin_client):
    response = admin_client.post("/admin/accounts", data={"name": "", "email_domain": "x.test"})
    assert response.status_code == 400
    assert count(Account) == 2


def test_edit_account(admin_client, people):
    acme = people["acme"]
    page = admin_client.get(f"/admin/accounts/{acme.id}")
    assert page.status_code == 200
    assert 'value="acme.test"' in page.text
    response = admin_client.post(
        f"/admin/accounts/{acme.id}", data={"name": "Acme Holdings", "email_domain": "acme.example"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/accounts"
    assert "Account Acme Holdings is updated." in admin_client.get("/admin/accounts").text
    stored = fresh(Account, id=acme.id)
    assert (stored.name, stored.email_domain) == ("Acme Holdings", "acme.example")
    # Its users stay with it.
    assert fresh(User, email="carol@acme.test").account_id == acme.id


def test_edit_account_keeping_its_own_name_is_allowed(admin_client, people):
    acme = people["acme"]
    response = admin_client.post(
        f"/admin/accounts/{acme.id}", data={"name": "Acme Corp", "email_domain": "acme.test"}
    )
    assert response.status_code == 302


def test_edit_account_to_clash_is_refused(admin_client, people):
    acme = people["acme"]
    response = admin_client.post(
        f"/admin/accounts/{acme.id}", data={"name": "Globex", "email_domain": "acme.test"}
    )
    assert response.status_code == 400
    assert "Another account already uses that name or domain (Globex)." in response.text
    stored = fresh(Account, id=acme.id)
    assert (stored.name, stored.email_domain) == ("Acme Corp", "acme.test")


def test_edit_account_with_bad_domain_is_refused(admin_client, people):
    acme = people["acme"]
    response = admin_client.post(
        f"/admin/accounts/{acme.id}", data={"name": "Acme Corp", "email_domain": "not a domain"}
    )
    assert response.status_code == 400
    assert fresh(Account, id=acme.id).email_domain == "acme.test"


SCRIPT = "<script>alert('x')</script>"


def test_account_names_are_escaped(admin_client, people):
    response = admin_client.post(
        "/admin/accounts", data={"name": f"Evil {SCRIPT} Inc", "email_domain": "evil.test"}
    )
    assert response.status_code == 302
    account = fresh(Account, email_domain="evil.test")
    assert account.name == f"Evil {SCRIPT} Inc"
    factories.make_user(Role.CUSTOMER, account, email="eve@evil.test")
    for path in ("/admin/accounts", "/admin/users", f"/admin/accounts/{account.id}"):
        page = admin_client.get(path)
        assert page.status_code == 200
        assert SCRIPT not in page.text, path
        assert "&lt;script&gt;" in page.text, path


def test_user_names_are_escaped(admin_client, people):
    admin_client.post(
        "/admin/users",
        data={
            "email": "mallory@vendor.test",
            "name": SCRIPT,
            "role": "pm",
            "account": "0",
            "password": "long-enough-password",
        },
    )
    user = fresh(User, email="mallory@vendor.test")
    assert user.name == SCRIPT
    for path in ("/admin/users", f"/admin/users/{user.id}"):
        page = admin_client.get(path)
        assert SCRIPT not in page.text, path
        assert "&lt;script&gt;" in page.text, path


# --- Product areas ----------------------------------------------------------------------------


def test_create_product_area(admin_client):
    response = admin_client.post(
        "/admin/areas", data={"name": "Integrations", "description": "APIs and webhooks"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/areas"
    page = admin_client.get("/admin/areas")
    assert "Product area Integrations is created." in page.text
    assert "APIs and webhooks" in page.text
    stored = fresh(ProductArea, name="Integrations")
    assert stored.description == "APIs and webhooks"
    assert stored.archived is False


@pytest.mark.parametrize("name", ["Reporting", "reporting", "  REPORTING  "])
def test_duplicate_product_area_is_refused(admin_client, name):
    response = admin_client.post("/admin/areas", data={"name": name, "description": ""})
    assert response.status_code == 400
    assert "A product area called Reporting already exists." in response.text
    assert count(ProductArea) == 1


def test_renaming_area_to_clash_is_refused(admin_client, people):
    other = factories.make_area("Billing")
    response = admin_client.post(f"/admin/areas/{other.id}", data={"name": "Reporting"})
    assert response.status_code == 400
    assert "already exists" in response.text
    assert fresh(ProductArea, id=other.id).name == "Billing"


def test_archived_area_is_not_offered_for_new_wishes(client, auth, people):
    factories.make_area("Billing")
    reporting = people["area"]
    auth.login(people["customer"].email)
    assert "Reporting" in select_options(client.get("/wishes/new").text, "product_area")
    auth.logout()

    auth.login(people["admin"].email)
    response = client.post(
        f"/admin/areas/{reporting.id}",
        data={"name": "Reporting", "description": "Old reports", "archived": "y"},
    )
    assert response.status_code == 302
    assert "Product area is updated." in client.get("/admin/areas").text
    assert "Reporting (archived)" in client.get("/admin/areas").text
    assert fresh(ProductArea, id=reporting.id).archived is True
    auth.logout()

    auth.login(people["customer"].email)
    options = select_options(client.get("/wishes/new").text, "product_area")
    assert "Reporting" not in options
    assert "Billing" in options


def test_unarchiving_area_offers_it_again(admin_client, people):
    area = people["area"]
    admin_client.post(f"/admin/areas/{area.id}", data={"name": "Reporting", "archived": "y"})
    admin_client.post(f"/admin/areas/{area.id}", data={"name": "Reporting"})
    assert fresh(ProductArea, id=area.id).archived is False
    assert "Reporting" in select_options(admin_client.get("/wishes/new").text, "product_area")


# --- Users ------------------------------------------------------------------------------------


def create_user_form(**fields: str) -> dict[str, str]:
    """The add-user form with defaults for a staff member with a password."""
    data = {
        "email": "new.pm@vendor.test",
        "name": "New PM",
        "role": "pm",
        "account": "0",
        "password": "long-enough-password",
    }
    data.update(fields)
    return data


def test_create_user_with_password(client, auth, people):
    auth.login(people["admin"].email)
    response = client.post("/admin/users", data=create_user_form())
    assert response.status_code == 200
    assert "new.pm@vendor.test can now sign in." in response.text
    assert "/invite/" not in response.text
    stored = fresh(User, email="new.pm@vendor.test")
    assert (stored.role, stored.account, stored.name) == (Role.PM, None, "New PM")
    assert stored.password_hash and "long-enough-password" not in stored.password_hash
    auth.logout()
    assert auth.login("new.pm@vendor.test", "long-enough-password").status_code == 302


def test_create_customer_in_account(admin_client, people):
    response = admin_client.post(
        "/admin/users",
        data=create_user_form(
            email="Dana@Acme.test", name="", role="customer", account=str(people["acme"].id)
        ),
    )
    assert response.status_code == 200
    stored = fresh(User, email="dana@acme.test")
    assert stored.role == Role.CUSTOMER
    assert stored.account_id == people["acme"].id
    assert stored.name == "dana"


def test_create_user_without_password_shows_invite(admin_client):
    response = admin_client.post("/admin/users", data=create_user_form(password=""))
    assert response.status_code == 200
    assert "new.pm@vendor.test is invited. Send them the link below." in response.text
    assert re.search(r'value="http://localhost/invite/[\w.-]+"', response.text)
    assert fresh(User, email="new.pm@vendor.test").password_hash is None
    listing = admin_client.get("/admin/users").text
    assert "invited" in listing


def test_invited_user_edit_page_shows_invite(admin_client):
    admin_client.post("/admin/users", data=create_user_form(password=""))
    user = fresh(User, email="new.pm@vendor.test")
    page = admin_client.get(f"/admin/users/{user.id}")
    assert "Invitation link (not yet accepted)" in page.text
    link = re.search(r'value="http://localhost(/invite/[\w.-]+)"', page.text).group(1)
    assert admin_client.get(link).status_code == 200


def test_create_customer_without_account_is_refused(admin_client):
    before = count(User)
    response = admin_client.post(
        "/admin/users", data=create_user_form(email="lost@nowhere.test", role="customer")
    )
    assert response.status_code == 400
    assert "Customers must belong to an account." in response.text
    assert count(User) == before
    assert fresh(User, email="lost@nowhere.test") is None


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"email": "carol@acme.test"}, "already exists"),
        ({"email": "CAROL@acme.test"}, "already exists"),
        ({"email": "not-an-email"}, ""),
        ({"password": "short"}, "at least 10 characters"),
        ({"role": "overlord"}, "Not a valid choice"),
        ({"account": "999"}, "Not a valid choice"),
    ],
)
def test_bad_new_user_is_refused(admin_client, fields, message):
    before = count(User)
    response = admin_client.post("/admin/users", data=create_user_form(**fields))
    assert response.status_code == 400
    assert message in response.text
    assert count(User) == before


def test_change_a_users_role(admin_client, people):
    csm = people["csm"]
    page = admin_client.get(f"/admin/users/{csm.id}")
    assert page.status_code == 200
    assert "sam@vendor.test" in page.text
    response = admin_client.post(
        f"/admin/users/{csm.id}", data={"role": "pm", "account": "0", "active": "y"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/users"
    assert "sam@vendor.test is updated." in admin_client.get("/admin/users").text
    stored = fresh(User, id=csm.id)
    assert stored.role == Role.PM
    assert stored.active is True


def test_promoted_user_reaches_admin(client, auth, people):
    auth.login(people["admin"].email)
    client.post(
        f"/admin/users/{people['pm'].id}", data={"role": "admin", "account": "0", "active": "y"}
    )
    auth.logout()
    auth.login(people["pm"].email)
    assert client.get("/admin/users").status_code == 200


def test_move_customer_to_other_account(admin_client, people):
    carol = people["customer"]
    response = admin_client.post(
        f"/admin/users/{carol.id}",
        data={"role": "customer", "account": str(people["globex"].id), "active": "y"},
    )
    assert response.status_code == 302
    assert fresh(User, id=carol.id).account_id == people["globex"].id


def test_customer_cannot_lose_account(admin_client, people):
    carol = people["customer"]
    response = admin_client.post(
        f"/admin/users/{carol.id}", data={"role": "customer", "account": "0", "active": "y"}
    )
    assert response.status_code == 400
    assert "Customers must belong to an account." in response.text
    assert fresh(User, id=carol.id).account_id == people["acme"].id


def test_deactivated_user_is_signed_out_and_cannot_sign_in(client, auth, people):
    carol = people["customer"]
    auth.login(people["admin"].email)
    response = client.post(
        f"/admin/users/{carol.id}",
        data={"role": "customer", "account": str(people["acme"].id)},
    )
    assert response.status_code == 302
    assert fresh(User, id=carol.id).active is False
    assert "deactivated" in client.get("/admin/users").text
    auth.logout()
    assert auth.login(carol.email).status_code == 401


@pytest.mark.parametrize(
    "data",
    [
        {"role": "pm", "account": "0", "active": "y"},
        {"role": "customer", "account": "1", "active": "y"},
        {"role": "admin", "account": "0"},
    ],
    ids=["demote", "make-customer", "deactivate"],
)
def test_admin_cannot_demote_or_deactivate_themselves(admin_client, people, data):
    admin = people["admin"]
    if data["account"] == "1":
        data = {**data, "account": str(people["acme"].id)}
    response = admin_client.post(f"/admin/users/{admin.id}", data=data)
    assert response.status_code == 400
    assert flashes(response.text) == [
        "You cannot remove your own admin role or deactivate yourself."
    ]
    stored = fresh(User, id=admin.id)
    assert (stored.role, stored.active, stored.account_id) == (Role.ADMIN, True, None)
    # Still an admin, still signed in.
    assert admin_client.get("/admin/users").status_code == 200


def test_admin_can_demote_another_admin(admin_client, people):
    other = factories.make_user(Role.ADMIN, email="second@vendor.test")
    response = admin_client.post(
        f"/admin/users/{other.id}", data={"role": "csm", "account": "0", "active": "y"}
    )
    assert response.status_code == 302
    assert fresh(User, id=other.id).role == Role.CSM


def test_users_list_shows_everyone_with_roles(admin_client, people):
    page = admin_client.get("/admin/users").text
    for email in ("carol@acme.test", "oscar@globex.test", "sam@vendor.test", "ada@vendor.test"):
        assert email in page
    for label in ("Customer", "Customer success", "Product manager", "Admin"):
        assert f"<td>{label}</td>" in page
    assert "Users (5)" in page
