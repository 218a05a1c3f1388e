"""Background jobs: queued, run (immediate mode, or task by task), their pages, who sees them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from huey.exceptions import ConfigurationError
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import func, select

from wishlist.extensions import db as _db
from wishlist.extensions import huey
from wishlist.models import Job, JobKind, JobStatus, OutboundEmail, Role, Wish
from wishlist.services import Forbidden, NotFound, matching, notify
from wishlist.services import jobs as job_service
from wishlist.taskqueue import TaskQueue

from . import factories

WISHES_HEADER = "title,body,account,email,importance,product_area,external_id,created_at\n"


def wishes_file(rows: int, bad_lines: tuple[int, ...] = ()) -> bytes:
    """A wishes CSV of `rows` rows for acme.test; the given file lines name an unknown account."""
    lines = [WISHES_HEADER]
    for n in range(rows):
        account = "nowhere.test" if n + 2 in bad_lines else "acme.test"
        lines.append(f"Imported wish number {n},,{account},,,,,\n")
    return "".join(lines).encode()


def count(model: type) -> int:
    """How many rows of a model are stored, as another request would see them."""
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model)) or 0


def fresh(job_id: int) -> Job:
    """A job as stored now."""
    _db.session.rollback()
    _db.session.expire_all()
    job = _db.session.get(Job, job_id)
    assert job is not None
    return job


def upload(client, content: bytes, kind: str = "wishes", name: str = "big.csv"):  # noqa: ANN201
    """Post the admin import form with a file."""
    return client.post(
        "/admin/import",
        data={"kind": kind, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def queue(app) -> Iterator[None]:
    """A queue that keeps tasks until the test runs them, as a worker would."""
    huey.immediate = False
    huey.storage = MemoryStorage("wishlist-test")
    try:
        yield
    finally:
        huey.immediate = True


def work() -> int:
    """Run every queued task, as the worker does; how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


# --- Running jobs ----------------------------------------------------------------------------


def test_a_job_is_queued_then_run_by_the_worker(app, people, queue):
    factories.make_wish(people["customer"], "Export invoices to CSV")
    factories.make_wish(people["other"], "CSV export of invoices")
    job = job_service.start_find_duplicates(people["csm"])
    queued = fresh(job.id)
    assert (queued.status, queued.attempts, queued.started_at) == (JobStatus.QUEUED, 0, None)
    assert queued.created_by_id == people["csm"].id and queued.kind == JobKind.FIND_DUPLICATES
    assert work() == 1
    done = fresh(job.id)
    assert done.status == JobStatus.SUCCEEDED and done.error == ""
    assert (done.progress_done, done.progress_total, done.attempts) == (1, 1, 1)
    assert done.started_at is not None and done.finished_at >= done.started_at
    assert done.result["duplicates"]["wishes"] == 2
    assert done.result["duplicates"]["suggested_bundles"] == 1
    assert done.result["duplicates"]["full_run"] is True


def test_an_import_job_records_progress_and_its_result(app, people, monkeypatch):
    seen = []
    real = matching.bundle_new_wishes

    def watch(ids):  # noqa: ANN001, ANN202
        # Read through a connection of its own: what the job's page would show meanwhile.
        with _db.engine.connect() as conn:
            seen.append(conn.execute(select(Job.progress_done, Job.stage)).one())
        return real(ids)

    monkeypatch.setattr(matching, "bundle_new_wishes", watch)
    job = job_service.start_import("wishes", wishes_file(250), "big.csv", people["admin"])
    assert isinstance(job, Job)
    assert seen == [(1, "Finding duplicates of the 250 new wishes")]
    done = fresh(job.id)
    assert done.status == JobStatus.SUCCEEDED
    assert (done.progress_done, done.progress_total, done.stage) == (2, 2, "Done")
    assert done.result["file"] == "big.csv" and done.result["rows"] == 250
    assert (done.result["created"], done.result["unchanged"]) == (250, 0)
    assert done.result["duplicates"]["wishes"] == 250
    assert done.result["duplicates"]["full_run"] is False
    assert count(Wish) == 250
    assert not job_service.job_file(job.id).exists()


def test_a_failing_import_job_lists_the_bad_lines_and_imports_nothing(app, people, monkeypatch):
    attempts = []
    real = job_service.imports.run_import
    monkeypatch.setattr(
        job_service.imports,
        "run_import",
        lambda *a, **k: attempts.append(1) or real(*a, **k),
    )
    job = job_service.start_import(
        "wishes", wishes_file(300, bad_lines=(150, 301)), "bad.csv", people["admin"]
    )
    done = fresh(job.id)
    assert done.status == JobStatus.FAILED
    assert done.error == "Nothing was imported: 2 problems in the file."
    assert [e["line"] for e in done.result["errors"]] == [150, 301]
    assert "nowhere.test" in done.result["errors"][0]["message"]
    assert done.result["error_count"] == 2
    assert count(Wish) == 0
    # A bad file stays bad: an import is never tried again.
    assert attempts == [1] and done.attempts == 1
    assert not job_service.job_file(job.id).exists()


def test_a_job_that_fails_once_is_retried_and_succeeds(app, people, monkeypatch):
    calls = []
    real = matching.recompute_bundles

    def flaky():  # noqa: ANN202
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real()

    monkeypatch.setattr(matching, "recompute_bundles", flaky)
    job = job_service.start_find_duplicates(people["pm"])
    done = fresh(job.id)
    assert len(calls) == 2
    assert done.status == JobStatus.SUCCEEDED and done.attempts == 2 and done.error == ""


def test_a_job_that_keeps_failing_is_reported_failed_after_its_retries(app, people, monkeypatch):
    def broken():  # noqa: ANN202
        raise RuntimeError("the index file is unreadable")

    monkeypatch.setattr(matching, "recompute_bundles", broken)
    job = job_service.start_find_duplicates(people["pm"])
    done = fresh(job.id)
    assert done.status == JobStatus.FAILED
    assert done.attempts == 1 + job_service.RETRIES[JobKind.FIND_DUPLICATES]
    assert "RuntimeError: the index file is unreadable" in done.error


def test_a_retry_waits_in_the_queue_and_says_so(app, people, queue, monkeypatch):
    def broken():  # noqa: ANN202
        raise RuntimeError("database is locked")

    monkeypatch.setattr(matching, "recompute_bundles", broken)
    job = job_service.start_find_duplicates(people["pm"])
    work()
    waiting = fresh(job.id)
    assert waiting.status == JobStatus.QUEUED and waiting.attempts == 1
    assert "Attempt 1 failed (RuntimeError: database is locked); it is tried again." in (
        waiting.error
    )
    # The retry is scheduled RETRY_DELAY_SECONDS later, not run at once.
    assert huey.scheduled_count() == 1


def test_find_duplicates_again_shows_the_run_under_way_instead_of_a_second(app, people, queue):
    first = job_service.start_find_duplicates(people["csm"])
    again = job_service.start_find_duplicates(people["pm"])
    assert again.id == first.id
    assert work() == 1
    assert job_service.start_find_duplicates(people["pm"]).id != first.id


def test_an_import_job_whose_file_is_gone_fails(app, people, queue):
    job = job_service.start_import("wishes", wishes_file(201), "big.csv", people["admin"])
    job_service.job_file(job.id).unlink()
    work()
    done = fresh(job.id)
    assert done.status == JobStatus.FAILED and "upload it again" in done.error
    assert count(Wish) == 0


def test_wishes_imported_stay_when_finding_their_duplicates_fails(app, people, monkeypatch):
    def broken(ids):  # noqa: ANN001, ANN202
        raise RuntimeError("no index")

    monkeypatch.setattr(matching, "bundle_new_wishes", broken)
    job = job_service.start_import("wishes", wishes_file(201), "big.csv", people["admin"])
    done = fresh(job.id)
    assert done.status == JobStatus.SUCCEEDED and done.result["created"] == 201
    assert done.result["duplicates_error"] == "RuntimeError: no index"
    assert count(Wish) == 201


def test_a_small_import_runs_in_the_request(app, people):
    result = job_service.start_import("wishes", wishes_file(200), "small.csv", people["admin"])
    assert not isinstance(result, Job) and result.created == 200
    assert count(Job) == 0


def test_emails_are_sent_by_a_job_when_some_are_due(app, people, monkeypatch):
    app.config.update(SMTP_HOST="smtp.example.test", SMTP_FROM="wishlist@example.test")
    sent = []
    monkeypatch.setattr(notify, "smtp_send", lambda settings, message: sent.append(message["To"]))
    assert job_service.start_email_delivery() is None  # nothing due
    for n in range(3):
        _db.session.add(OutboundEmail(to_address=f"p{n}@acme.test", subject="Planned", body="."))
    _db.session.commit()
    job = job_service.start_email_delivery()
    done = fresh(job.id)
    assert done.status == JobStatus.SUCCEEDED and done.kind == JobKind.SEND_EMAILS
    assert done.created_by_id is None and done.progress_total == 3
    assert (done.result["sent"], done.result["remaining"]) == (3, 0)
    assert sorted(sent) == ["p0@acme.test", "p1@acme.test", "p2@acme.test"]
    assert job_service.start_email_delivery() is None  # all sent


def test_no_email_job_without_a_mail_server(app, people):
    _db.session.add(OutboundEmail(to_address="p@acme.test", subject="Planned", body="."))
    _db.session.commit()
    assert job_service.start_email_delivery() is None
    assert count(Job) == 0


# --- Pages -----------------------------------------------------------------------------------


def test_admin_upload_of_a_large_file_goes_to_its_job_page(client, auth, people):
    auth.login(people["admin"].email)
    response = upload(client, wishes_file(250))
    assert response.status_code == 302
    job_id = int(re.fullmatch(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200
    assert "Import wishes" in page.text and "Done" in page.text
    assert "<th>Created</th><td>250</td>" in page.text
    assert 'http-equiv="refresh"' not in page.text  # finished: nothing to wait for
    assert count(Wish) == 250
    # It survives a reload, and the jobs list links it.
    again = client.get(f"/jobs/{job_id}")
    assert "Done" in again.text and "<th>Created</th><td>250</td>" in again.text
    assert f'href="/jobs/{job_id}"' in client.get("/jobs/").text


def test_admin_upload_of_a_large_bad_file_shows_the_lines_on_the_job_page(client, auth, people):
    auth.login(people["admin"].email)
    response = upload(client, wishes_file(250, bad_lines=(77,)))
    page = client.get(response.headers["Location"])
    assert "Failed" in page.text and "Nothing was imported: 1 problem in the file." in page.text
    assert "<td>77</td>" in page.text and "nowhere.test" in page.text
    assert count(Wish) == 0


def test_admin_upload_of_a_small_file_is_still_imported_at_once(client, auth, people):
    auth.login(people["admin"].email)
    response = upload(client, wishes_file(3), name="small.csv")
    assert response.status_code == 200
    assert "Imported wishes: 3 created" in response.text
    assert count(Job) == 0 and count(Wish) == 3


def test_find_duplicates_again_goes_through_a_job(client, auth, people):
    factories.make_wish(people["customer"], "Export invoices to CSV")
    factories.make_wish(people["other"], "CSV export of invoices")
    auth.login(people["csm"].email)
    response = client.post("/review/recompute")
    assert response.status_code == 302
    job = _db.session.scalar(select(Job))
    assert response.headers["Location"] == f"/jobs/{job.id}"
    assert job.kind == JobKind.FIND_DUPLICATES and job.status == JobStatus.SUCCEEDED
    page = client.get(f"/jobs/{job.id}")
    assert "Looked at all 2 wishes: 1 suggested bundle" in page.text
    assert "Review the suggestions" in page.text


def test_an_unfinished_job_page_reloads_itself(client, auth, people, queue):
    auth.login(people["pm"].email)
    response = client.post("/review/recompute")
    page = client.get(response.headers["Location"])
    assert "Waiting for the job worker" in page.text
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "flask --app app jobs worker" in page.text
    assert "<script>" not in page.text  # the Content-Security-Policy allows no inline script


def test_a_customer_cannot_see_jobs(client, auth, people):
    job = job_service.start_find_duplicates(people["csm"])
    assert client.get(f"/jobs/{job.id}").status_code == 302  # anonymous: sign in first
    auth.login(people["customer"].email)
    assert client.get(f"/jobs/{job.id}").status_code == 403
    assert client.get("/jobs/").status_code == 403


def test_staff_see_their_own_jobs_and_every_duplicate_search(client, auth, people):
    search = job_service.start_find_duplicates(people["pm"])
    imported = job_service.start_import("wishes", wishes_file(201), "big.csv", people["admin"])
    auth.login(people["csm"].email)
    assert client.get(f"/jobs/{search.id}").status_code == 200
    assert client.get(f"/jobs/{imported.id}").status_code == 403
    listed = client.get("/jobs/").text
    assert f'href="/jobs/{search.id}"' in listed and f'href="/jobs/{imported.id}"' not in listed
    assert client.get("/jobs/999999").status_code == 404
    auth.logout()
    auth.login(people["admin"].email)
    assert client.get(f"/jobs/{imported.id}").status_code == 200
    assert client.get(f"/jobs/{search.id}").status_code == 200


def test_job_visibility_rule(app, people):
    mine = Job(kind=JobKind.IMPORT_WISHES, created_by_id=people["csm"].id)
    other = Job(kind=JobKind.IMPORT_WISHES, created_by_id=people["admin"].id)
    search = Job(kind=JobKind.FIND_DUPLICATES, created_by_id=people["admin"].id)
    emails = Job(kind=JobKind.SEND_EMAILS, created_by_id=None)
    csm, admin, customer = people["csm"], people["admin"], people["customer"]
    assert [j.visible_to(csm) for j in (mine, other, search, emails)] == [True, False, True, False]
    assert all(j.visible_to(admin) for j in (mine, other, search, emails))
    assert not any(j.visible_to(customer) for j in (mine, other, search, emails))
    with pytest.raises(NotFound):
        job_service.get_job(12345, admin)
    _db.session.add(other)
    _db.session.commit()
    with pytest.raises(Forbidden):
        job_service.get_job(other.id, csm)


def test_customers_cannot_start_a_duplicate_search(app, people):
    with pytest.raises(Forbidden):
        job_service.start_find_duplicates(people["customer"])


# --- The queue and the worker ------------------------------------------------------------------


def test_the_default_queue_is_a_sqlite_file_in_the_instance_folder(app, tmp_path):
    queue = TaskQueue("wishlist-check")
    app.config["TASK_QUEUE"] = ""
    queue.init_app(app)
    assert isinstance(queue.storage, SqliteStorage) and not queue.immediate
    assert queue.storage.filename.startswith(app.instance_path)
    app.config["TASK_QUEUE"] = f"sqlite:///{tmp_path}/elsewhere.sqlite"
    queue.init_app(app)
    assert queue.storage.filename == f"{tmp_path}/elsewhere.sqlite"
    app.config["TASK_QUEUE"] = "immediate"
    queue.init_app(app)
    assert queue.immediate and isinstance(queue.storage, MemoryStorage)


def test_a_redis_queue_needs_the_redis_client(app):
    queue = TaskQueue("wishlist-check")
    app.config["TASK_QUEUE"] = "redis://localhost:6379/0"
    try:
        queue.init_app(app)
    except ConfigurationError as exc:
        assert "pip install redis" in str(exc)
    else:
        assert isinstance(queue.storage, RedisStorage)


def test_an_unknown_queue_setting_is_refused(app):
    app.config["TASK_QUEUE"] = "postgres://db/jobs"
    with pytest.raises(ValueError, match="WISHLIST_TASK_QUEUE"):
        TaskQueue("wishlist-check").init_app(app)


def test_the_worker_is_not_needed_in_immediate_mode(runner):
    result = runner.invoke(args=["jobs", "worker"])
    assert result.exit_code == 1 and "no worker is needed" in result.output


def test_staff_of_every_role_may_start_a_duplicate_search(app, people):
    for role in (Role.CSM, Role.PM, Role.ADMIN):
        user = factories.make_user(role, email=f"{role.value}2@vendor.test")
        assert job_service.start_find_duplicates(user).created_by_id == user.id
