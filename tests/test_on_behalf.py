"""Customer success acting for customers: wishes and votes recorded for an account."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from wishlist.models import User, Vote, Wish
from wishlist.services import ServiceError
from wishlist.services import wishes as wish_service

from . import factories


def _count(db, model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count()).select_from(model))


def test_csm_submits_a_wish_for_an_account_contact(client, auth, db, people):
    auth.login("sam@vendor.test")
    response = client.post(
        "/wishes/new",
        data={
            "title": "SAML single sign-on with Okta",
            "product_area": 0,
            "importance": "critical",
            "account": people["acme"].id,
            "contact_email": "CAROL@acme.test",
        },
    )
    assert response.status_code == 302
    wish = db.session.scalar(select(Wish))
    assert (wish.author_id, wish.account_id, wish.created_by_id) == (
        people["customer"].id,
        people["acme"].id,
        people["csm"].id,
    )
    vote = db.session.scalar(select(Vote))
    assert (vote.user_id, vote.account_id, vote.added_by_id) == (
        people["customer"].id,
        people["acme"].id,
        people["csm"].id,
    )
    assert vote.importance.value == "critical"
    page = client.get(response.location).data.decode()
    assert "added by Sam CSM for Acme Corp" in page
    # The contact sees it as their own wish and vote.
    auth.logout()
    auth.login("carol@acme.test")
    assert "SAML single sign-on with Okta" in client.get("/me/wishes").data.decode()


def test_csm_submits_for_an_account_without_contact(client, auth, db, people):
    auth.login("sam@vendor.test")
    client.post(
        "/wishes/new",
        data={
            "title": "Data residency in the EU",
            "product_area": 0,
            "importance": "important",
            "account": people["globex"].id,
        },
    )
    wish = db.session.scalar(select(Wish))
    assert wish.author_id is None and wish.account_id == people["globex"].id
    vote = db.session.scalar(select(Vote))
    assert vote.user_id is None and vote.account_id == people["globex"].id
    assert "added by Sam CSM for Globex" in client.get(f"/wishes/{wish.id}").data.decode()


def test_contact_must_belong_to_the_account(client, auth, db, people):
    auth.login("sam@vendor.test")
    response = client.post(
        "/wishes/new",
        data={
            "title": "Wrong contact",
            "product_area": 0,
            "importance": "nice",
            "account": people["globex"].id,
            "contact_email": "carol@acme.test",
        },
    )
    assert response.status_code == 400
    assert b"is not a contact of Globex" in response.data
    assert _count(db, Wish) == 0 and _count(db, Vote) == 0


def test_csm_records_votes_for_accounts_once_each(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Scheduled report emails")
    auth.login("sam@vendor.test")
    for importance in ("nice", "critical"):
        client.post(
            f"/wishes/{wish.id}/vote-for",
            data={"account": people["globex"].id, "importance": importance},
        )
    votes = db.session.scalars(select(Vote).where(Vote.account_id == people["globex"].id)).all()
    assert len(votes) == 1
    assert votes[0].importance.value == "critical" and votes[0].user_id is None
    client.post(
        f"/wishes/{wish.id}/vote-for",
        data={
            "account": people["globex"].id,
            "contact_email": "oscar@globex.test",
            "importance": "nice",
        },
    )
    assert _count(db, Vote) == 3  # Carol's own, Globex's account vote, Oscar's
    page = client.get(f"/wishes/{wish.id}").data.decode()
    assert "recorded by Sam CSM for Globex" in page
    assert "(the account)" in page


def test_staff_name_the_account_by_name_domain_or_crm_id(client, auth, db, people):
    """The account is typed (a list of thousands would be most of the page), any case."""
    people["globex"].external_id = "CRM-0042"
    db.session.commit()
    auth.login("sam@vendor.test")
    page = client.get(f"/wishes/{factories.make_wish(people['customer'], 'X y z').id}")
    assert "Globex</option>" not in page.get_data(as_text=True)  # no list of accounts
    for n, typed in enumerate(("globex", "GLOBEX.TEST", "crm-0042")):
        wish = factories.make_wish(people["customer"], f"Scheduled report emails {n}")
        client.post(f"/wishes/{wish.id}/vote-for", data={"account": typed, "importance": "nice"})
        vote = db.session.scalar(
            select(Vote).where(Vote.wish_id == wish.id, Vote.account_id == people["globex"].id)
        )
        assert vote is not None, typed


def test_vote_for_needs_an_account_and_staff(client, auth, db, people):
    wish = factories.make_wish(people["customer"], "Scheduled report emails")
    auth.login("sam@vendor.test")
    for typed, message in (
        ("", "Type the customer account"),
        ("0", "No account is called “0”"),
        ("Umbrella Corp", "No account is called “Umbrella Corp”"),
    ):
        response = client.post(
            f"/wishes/{wish.id}/vote-for",
            data={"account": typed, "importance": "nice"},
            follow_redirects=True,
        )
        assert message in response.get_data(as_text=True)
    assert _count(db, Vote) == 1
    auth.logout()
    auth.login("carol@acme.test")
    assert (
        client.post(
            f"/wishes/{wish.id}/vote-for", data={"account": people["acme"].id, "importance": "nice"}
        ).status_code
        == 403
    )
    assert b"Record a vote for a customer" not in client.get(f"/wishes/{wish.id}").data
    assert _count(db, Vote) == 1


def test_recording_never_overwrites_a_persons_own_vote(db, people):
    """Staff recording for a contact who voted themselves are told so; the vote stays theirs."""
    wish = factories.make_wish(people["customer"], "Scheduled report emails")
    oscar = db.session.scalar(select(User).where(User.email == "oscar@globex.test"))
    wish_service.cast_vote(oscar, wish.id, "critical")
    with pytest.raises(ServiceError, match="Globex.* already voted on this wish"):
        wish_service.vote_for(people["csm"], wish.id, people["globex"].id, oscar.email, "nice")
    with pytest.raises(ServiceError, match="already voted on this wish"):
        wish_service.vote_for(people["csm"], wish.id, people["globex"].id, None, "nice")
    vote = db.session.scalar(select(Vote).where(Vote.user_id == oscar.id))
    assert vote.importance.value == "critical" and vote.added_by_id is None


def test_provenance_is_stored_and_shown_to_staff_only(client, auth, db, people):
    """A recorded vote keeps who recorded it; customers never see that line."""
    wish = factories.make_wish(people["customer"], "Scheduled report emails")
    vote = wish_service.vote_for(people["csm"], wish.id, people["globex"].id, None, "nice")
    assert vote.added_by_id == people["csm"].id and vote.created_at is not None
    auth.login("carol@acme.test")
    page = client.get(f"/wishes/{wish.id}").data.decode()
    # The count says a company's vote was recorded, never whose or by whom.
    assert "1 from a company, recorded by our team" in page
    assert f"recorded by {people['csm'].name}" not in page and "Globex" not in page
    auth.logout()
    auth.login(people["csm"].email)
    staff_page = client.get(f"/wishes/{wish.id}").data.decode()
    assert f"recorded by {people['csm'].name} for Globex" in staff_page
