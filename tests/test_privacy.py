"""Customers never see another account's name, people or emails on wishes entered for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from wishlist.models import Notification, OutboundEmail, Role, Wish
from wishlist.services import wishes as wish_service
from wishlist.services.imports import import_wishes

from . import factories

# What a customer of Globex must never read about a wish entered for Acme Corp. (Staff names
# are not among them: the wish's history says which member of staff filed or moved it.)
ACME_SECRETS = ("Acme Corp", "acme.test", "Carol")


@pytest.fixture
def for_acme(people):
    """A wish customer success entered for Acme Corp with Carol as its contact."""
    return wish_service.submit_wish_for(
        people["csm"], people["acme"].id, "carol@acme.test", "SAML single sign-on", match=False
    )


@pytest.fixture
def dana(people):
    """A second customer of Acme Corp (Carol's colleague)."""
    return factories.make_user(Role.CUSTOMER, people["acme"], email="dana@acme.test", name="Dana")


@pytest.fixture
def imported(db, people, tmp_path: Path) -> Wish:
    """A wish imported for Acme Corp without a contact."""
    path = tmp_path / "wishes.csv"
    path.write_text(
        "title,body,account,email,importance,product_area,external_id,created_at\n"
        "Data residency in the EU,,Acme Corp,,critical,,W-9,\n",
        encoding="utf-8",
    )
    import_wishes(path, people["admin"], rebundle=False)
    return db.session.scalar(select(Wish).where(Wish.external_id == "W-9"))


def _hidden(text: str) -> None:
    """Assert that nothing naming Acme Corp or its people is in the text."""
    for secret in ACME_SECRETS:
        assert secret not in text, f"{secret!r} leaked"


def test_another_customer_sees_a_wish_entered_for_an_account_without_its_name(
    client, auth, people, for_acme
):
    auth.login("oscar@globex.test")
    page = client.get(f"/wishes/{for_acme.id}").data.decode()
    assert "SAML single sign-on" in page
    _hidden(page)
    assert "added by our team for a customer" in page


def test_the_vendor_name_is_used_when_configured(app, client, auth, people, for_acme):
    app.config["VENDOR_NAME"] = "Ledgerly"
    auth.login("oscar@globex.test")
    page = client.get(f"/wishes/{for_acme.id}").data.decode()
    assert "added by the Ledgerly team for a customer" in page
    _hidden(page)


def test_the_forum_list_and_my_votes_name_no_other_account(client, auth, people, for_acme):
    auth.login("oscar@globex.test")
    client.post(f"/wishes/{for_acme.id}/vote", data={"importance": "nice"})
    for url in ("/", "/?sort=newest", "/me/votes", "/roadmap"):
        page = client.get(url).data.decode()
        _hidden(page)
    assert "SAML single sign-on" in client.get("/me/votes").data.decode()


def test_the_api_names_no_other_account(client, auth, people, for_acme):
    auth.login("oscar@globex.test")
    listing = client.get("/api/v1/wishes")
    _hidden(listing.get_data(as_text=True))
    [item] = listing.get_json()["items"]
    assert item["author"] == "added by our team for a customer"
    detail = client.get(f"/api/v1/wishes/{for_acme.id}")
    _hidden(detail.get_data(as_text=True))
    assert detail.get_json()["author"] == "added by our team for a customer"


def test_a_customer_of_the_account_sees_the_contact(client, auth, people, for_acme, dana):
    auth.login("dana@acme.test")
    page = client.get(f"/wishes/{for_acme.id}").data.decode()
    assert "Carol" in page
    assert client.get(f"/api/v1/wishes/{for_acme.id}").get_json()["author"] == "Carol"
    # Still no email addresses: those are for staff.
    assert "carol@acme.test" not in page


def test_the_contact_sees_their_own_name(client, auth, people, for_acme):
    auth.login("carol@acme.test")
    assert client.get(f"/api/v1/wishes/{for_acme.id}").get_json()["author"] == "Carol"


def test_staff_see_the_account_contact_and_who_entered_it(client, auth, people, for_acme):
    auth.login("pat@vendor.test")
    page = client.get(f"/wishes/{for_acme.id}").data.decode()
    assert "Carol (carol@acme.test, Acme Corp), added by Sam CSM for Acme Corp" in page
    author = client.get(f"/api/v1/wishes/{for_acme.id}").get_json()["author"]
    assert "Acme Corp" in author and "Sam CSM" in author


def test_an_imported_wish_without_contact_hides_its_account(client, auth, people, imported, dana):
    auth.login("oscar@globex.test")
    page = client.get(f"/wishes/{imported.id}").data.decode()
    assert "Data residency in the EU" in page
    _hidden(page)
    assert "added by our team for a customer" in page
    api = client.get(f"/api/v1/wishes/{imported.id}")
    _hidden(api.get_data(as_text=True))
    assert api.get_json()["author"] == "added by our team for a customer"
    auth.logout()
    # Its own account's customers may read their account's name.
    auth.login("dana@acme.test")
    page = client.get(f"/wishes/{imported.id}").data.decode()
    assert "added by our team for Acme Corp" in page
    auth.logout()
    auth.login("sam@vendor.test")
    page = client.get(f"/wishes/{imported.id}").data.decode()
    assert "added by Ada Admin for Acme Corp" in page


def test_a_wish_posted_by_a_customer_shows_their_name_to_everyone(client, auth, people):
    wish = factories.make_wish(people["customer"], "Export to Excel")
    auth.login("oscar@globex.test")
    page = client.get(f"/wishes/{wish.id}").data.decode()
    assert "Carol" in page
    assert "Acme Corp" not in page and "carol@acme.test" not in page
    assert client.get(f"/api/v1/wishes/{wish.id}").get_json()["author"] == "Carol"


def test_api_comments_carry_no_email_or_account(client, auth, people, for_acme):
    wish_service.add_comment(people["customer"], for_acme.id, "We need this for audits.")
    auth.login("oscar@globex.test")
    detail = client.get(f"/api/v1/wishes/{for_acme.id}")
    [comment] = detail.get_json()["comments"]
    assert comment["author"] == "Carol"  # she posted the comment herself
    text = detail.get_data(as_text=True)
    assert "acme.test" not in text and "Acme Corp" not in text


def test_a_status_change_tells_another_customer_nothing_about_the_account(
    app, client, auth, db, people, for_acme
):
    app.config.update(SMTP_HOST="smtp.example.test", SMTP_FROM="wishlist@example.test")
    wish_service.set_following(people["other"], for_acme.id, True)
    wish_service.change_status(people["pm"], for_acme.id, "planned", "Next quarter.")
    [note] = db.session.scalars(
        select(Notification).where(Notification.user_id == people["other"].id)
    )
    _hidden(note.subject + note.body)
    [email] = db.session.scalars(
        select(OutboundEmail).where(OutboundEmail.to_address == "oscar@globex.test")
    )
    _hidden(email.subject + email.body)
    auth.login("oscar@globex.test")
    _hidden(client.get("/notifications").data.decode())


def test_the_rule_for_signed_out_viewers_and_wishes_without_anyone(app, people, for_acme):
    assert for_acme.author_label(None) == "added by our team for a customer"
    orphan = Wish(title="Orphan", account=people["acme"], account_id=people["acme"].id)
    assert orphan.author_label(None) == "a customer"
    assert orphan.author_label(people["other"]) == "a customer"
    assert orphan.author_label(people["customer"]) == "Acme Corp"
    assert orphan.author_label(people["pm"]) == "Acme Corp"
