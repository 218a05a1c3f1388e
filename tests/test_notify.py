"""Notifications and the mail queue: queued or logged, retried, never failing a status change."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from wishlist.models import Notification, OutboundEmail, Role, WishStatus, utcnow
from wishlist.services import bundles as bundle_service
from wishlist.services import notify
from wishlist.services import status as status_service
from wishlist.services import wishes as wish_service

from . import factories


class FakeMailServer:
    """Stands in for smtplib: records what it accepts, or refuses everything."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.accepted: list[tuple[str, str, str]] = []

    def __call__(self, settings: notify.SmtpSettings, message) -> None:  # noqa: ANN001
        if self.error is not None:
            raise self.error
        self.accepted.append((message["To"], message["Subject"], message.get_content()))


@pytest.fixture
def mail(app):
    """Mail set up for the app (nothing real is contacted: tests pass a fake sender)."""
    app.config.update(
        SMTP_HOST="smtp.example.test",
        SMTP_FROM="wishlist@example.test",
        BASE_URL="https://wishes.example.test/",
    )
    return app.config


@pytest.fixture
def bundle(people):
    """A confirmed bundle of Carol's and Oscar's wishes."""
    dark = factories.make_wish(people["customer"], "Dark mode")
    night = factories.make_wish(people["other"], "Night theme")
    decision = bundle_service.bundle_wishes(people["csm"], [dark.id, night.id])
    return {"id": decision.bundle_id, "dark": dark, "night": night}


def _queued(db) -> list[OutboundEmail]:
    return list(db.session.scalars(select(OutboundEmail).order_by(OutboundEmail.to_address)))


def test_emails_are_queued_when_mail_is_set_up(db, people, bundle, mail):
    status_service.set_bundle_status(people["pm"], bundle["id"], "planned", "In the spring.")
    emails = _queued(db)
    assert [e.to_address for e in emails] == ["carol@acme.test", "oscar@globex.test"]
    carol = emails[0]
    assert carol.subject == "Planned: Dark mode"
    assert carol.attempts == 0 and carol.sent_at is None
    assert "In the spring." in carol.body
    assert f"https://wishes.example.test/wishes/{bundle['dark'].id}" in carol.body
    notification = db.session.get(Notification, carol.notification_id)
    assert notification.user_id == people["customer"].id


def test_without_mail_the_email_is_logged_not_queued(db, people, bundle, caplog, monkeypatch):
    # Alembic's fileConfig (run by the session's migrations) disables loggers that exist.
    monkeypatch.setattr(notify.log, "disabled", False)
    caplog.set_level(logging.INFO, logger="wishlist.notify")
    status_service.set_bundle_status(people["pm"], bundle["id"], "declined", "Out of scope.")
    assert _queued(db) == []
    assert db.session.scalar(select(func.count(Notification.id))) == 2
    logged = [r for r in caplog.records if r.name == "wishlist.notify"]
    assert len(logged) == 2
    assert "To: carol@acme.test" in caplog.text
    assert "Subject: Declined: Dark mode" in caplog.text
    assert "Why: Out of scope." in caplog.text


def test_failing_mail_server_loses_nothing_and_never_fails_the_change(db, people, bundle, mail):
    refusing = FakeMailServer(ConnectionRefusedError(111, "Connection refused"))
    # The change only writes rows; the mail server is not even contacted.
    found = status_service.set_bundle_status(people["pm"], bundle["id"], "shipped", "Live now.")
    assert found.status == WishStatus.SHIPPED
    db.session.refresh(bundle["dark"])
    assert bundle["dark"].status == WishStatus.SHIPPED

    now = utcnow()
    summary = notify.send_queued(sender=refusing, now=now)
    assert (summary.sent, summary.failed, summary.remaining) == (0, 2, 2)
    for email in _queued(db):
        assert email.attempts == 1
        assert email.sent_at is None
        assert "ConnectionRefusedError" in email.last_error
        assert email.next_attempt_at == now + timedelta(minutes=1)

    # Not due yet: nothing is tried again straight away.
    working = FakeMailServer()
    assert notify.send_queued(sender=working, now=now).sent == 0
    later = now + timedelta(minutes=5)
    summary = notify.send_queued(sender=working, now=later)
    assert (summary.sent, summary.failed, summary.remaining) == (2, 0, 0)
    assert sorted(to for to, _, _ in working.accepted) == ["carol@acme.test", "oscar@globex.test"]
    assert all(e.sent_at is not None for e in _queued(db))
    # Sent once: a later pass sends nothing again.
    assert notify.send_queued(sender=working, now=later + timedelta(hours=1)).sent == 0
    assert len(working.accepted) == 2
    to, subject, body = working.accepted[0]
    assert subject == "Shipped: Dark mode"
    assert "Live now." in body


def test_backoff_grows_and_gives_up_after_ten_attempts(db, people, bundle, mail):
    assert [notify.retry_delay(n) for n in (0, 1, 2, 3)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8)
    ]
    assert notify.retry_delay(9) == timedelta(hours=6)
    status_service.set_bundle_status(people["pm"], bundle["id"], "planned")
    carol, oscar = _queued(db)
    carol.attempts = 9
    db.session.commit()
    broken = FakeMailServer(smtplib.SMTPException("451 try again later"))
    summary = notify.send_queued(sender=broken)
    assert (summary.failed, summary.gave_up, summary.remaining) == (2, 1, 1)
    db.session.refresh(carol)
    assert carol.attempts == 10
    assert carol.last_error.startswith("Gave up after 10 attempts.")
    assert "451 try again later" in carol.last_error
    # Kept for the record, but never tried again.
    assert notify.send_queued(sender=FakeMailServer(), now=utcnow() + timedelta(days=1)).sent == 1
    db.session.refresh(carol)
    assert carol.sent_at is None


def test_send_limit_and_newline_safe_subjects(db, people, mail):
    wish = factories.make_wish(people["customer"], "Dark\nmode")
    for n in range(3):
        reader = factories.make_user(Role.CUSTOMER, people["acme"], email=f"r{n}@acme.test")
        wish_service.set_following(reader, wish.id, True)
    wish_service.change_status(people["pm"], wish.id, "under_review")
    server = FakeMailServer()
    summary = notify.send_queued(limit=2, sender=server)
    assert (summary.sent, summary.remaining) == (2, 2)
    assert server.accepted[0][1] == "Under review: Dark mode"


def test_send_command_drains_the_queue(runner, db, people, bundle, mail, monkeypatch):
    status_service.set_bundle_status(people["pm"], bundle["id"], "in_progress")
    monkeypatch.setattr(notify, "smtp_send", FakeMailServer(OSError("Network is unreachable")))
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 0, result.output
    assert "0 sent, 2 failed, 2 remaining" in result.output
    for email in _queued(db):
        email.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    server = FakeMailServer()
    monkeypatch.setattr(notify, "smtp_send", server)
    result = runner.invoke(args=["notifications", "send", "--limit", "1"])
    assert "1 sent, 0 failed, 1 remaining" in result.output
    result = runner.invoke(args=["notifications", "send"])
    assert "1 sent, 0 failed, 0 remaining" in result.output
    assert len(server.accepted) == 2


def test_send_command_without_mail_set_up(runner):
    result = runner.invoke(args=["notifications", "send"])
    assert result.exit_code == 1
    assert "WISHLIST_SMTP_HOST" in result.output


def test_wish_status_change_notifies_its_followers(db, people):
    carol, pm = people["customer"], people["pm"]
    wish = factories.make_wish(carol, "Dark mode")
    fay = factories.make_user(Role.CUSTOMER, people["acme"], email="fay@acme.test")
    wish_service.set_following(fay, wish.id, True)
    wish_service.cast_vote(people["other"], wish.id, "nice")
    wish_service.set_following(pm, wish.id, True)
    wish_service.change_status(pm, wish.id, "planned", "Next quarter.")
    rows = db.session.scalars(select(Notification).order_by(Notification.user_id)).all()
    assert sorted(n.user.email for n in rows) == [
        "carol@acme.test",
        "fay@acme.test",
        "oscar@globex.test",
    ]
    assert {n.subject for n in rows} == {"Planned: Dark mode"}
    assert all(n.wish_id == wish.id and n.bundle_id is None for n in rows)
    assert all("Next quarter." in n.body for n in rows)


def test_notifications_page_and_mark_read(client, auth, db, people, bundle):
    status_service.set_bundle_status(people["pm"], bundle["id"], "planned", "Spring.")
    auth.login(people["customer"].email)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Planned: Dark mode" in html
    assert html.count("notification--unread") == 1
    assert 'class="nav-count"' in html
    assert f"/wishes/{bundle['dark'].id}" in html
    # Oscar's notification is his alone.
    assert f"/wishes/{bundle['night'].id}" not in html

    assert client.post("/notifications/read").status_code == 302
    html = client.get("/notifications").get_data(as_text=True)
    assert "notification--unread" not in html
    assert 'class="nav-count"' not in html
    assert notify.unread_count(people["customer"]) == 0
    assert notify.unread_count(people["other"]) == 1


def test_mark_read_keeps_what_arrived_after_the_page(db, people, bundle):
    pm, carol = people["pm"], people["customer"]
    status_service.set_bundle_status(pm, bundle["id"], "planned")
    shown = notify.list_notifications(carol)[0].id
    status_service.set_bundle_status(pm, bundle["id"], "in_progress")
    assert notify.mark_all_read(carol, shown) == 1
    assert notify.unread_count(carol) == 1
    newest = notify.list_notifications(carol)[0]
    assert newest.subject == "In progress: Dark mode" and newest.read_at is None


def test_mark_read_needs_the_csrf_token(app, client, auth, people):
    auth.login(people["customer"].email)
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/notifications/read").status_code == 400


def test_empty_notifications_page(client, auth, people):
    auth.login(people["other"].email)
    html = client.get("/notifications").get_data(as_text=True)
    assert "No notifications yet" in html
    assert "Mark all as read" not in html
