"""Background jobs: long work taken out of requests, its progress and outcome kept on a Job row.

A request that starts a job creates the row (queued), hands its id to the task queue (Huey,
see wishlist/taskqueue.py) and answers at once with the job's page; the job worker
(`flask jobs worker`) runs it with `run` and writes progress, result or error on the row.

Decisions:

- What runs as a job: an admin upload of more than INLINE_ROWS_MAX (200) rows (a smaller one is
  imported in the request: at 20,000 wishes, checking and writing 200 rows took 0.15 s and
  matching them 4 s, and the admin sees the counts or the bad rows at once, as before),
  "Find duplicates again", and sending the queued emails (the worker queues a delivery job
  once a minute when some are due, which replaces the cron entry for `flask notifications
  send`). `flask import` and `flask cluster` still run in the terminal, which has no time limit.
- An import job is all or nothing, as an import in the request is: the rows are checked first
  and written in one transaction. A file with bad rows fails the job with every problem and its
  line number, and nothing is imported. After the import commits, the new wishes' duplicates
  are found (`matching.bundle_new_wishes`); if that fails the job still succeeds, since the
  rows are in, and says to run "Find duplicates again".
- Retries: finding duplicates and sending emails are retried (RETRIES, RETRY_DELAY_SECONDS
  apart): each replaces or claims what it writes, so running twice does no harm. An import is
  never retried: a bad file stays bad, and one that failed for another reason imported nothing
  and is the admin's to upload again.
- The uploaded file waits in the job-files folder (JOB_FILES, default instance/jobs/) and is
  removed when its job has run, whatever the outcome.
- Who sees a job: `Job.visible_to` (admins every job; other staff their own and every
  "Find duplicates again", which any of them may start and whose result they all review).
- A second "Find duplicates again" while one is queued or running shows that one instead of
  queueing another (two full runs at once would replace each other's suggestions); a job
  unfinished after STALE_AFTER is taken to be lost with its worker and no longer blocks a new one.
"""

from __future__ import annotations

import io
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..extensions import db, huey
from ..models import Job, JobKind, JobStatus, User, utcnow
from . import imports, matching, notify
from .errors import Forbidden, NotFound, ServiceError

log = logging.getLogger(__name__)

INLINE_ROWS_MAX = 200
RETRIES = {
    JobKind.IMPORT_ACCOUNTS: 0,
    JobKind.IMPORT_WISHES: 0,
    JobKind.FIND_DUPLICATES: 2,
    JobKind.SEND_EMAILS: 3,
}
RETRY_DELAY_SECONDS = 30
STALE_AFTER = timedelta(hours=1)
# A file whose every row is wrong would otherwise store thousands of messages on the job.
ERRORS_KEPT = 1_000
RECENT_JOBS = 50
IMPORT_KINDS = {"accounts": JobKind.IMPORT_ACCOUNTS, "wishes": JobKind.IMPORT_WISHES}


# ---- starting jobs ------------------------------------------------------------------------


def count_rows(data: bytes) -> int:
    """About how many rows a CSV file has: its non-blank lines after the header."""
    return max(sum(1 for line in data.splitlines() if line.strip()) - 1, 0)


def start_import(kind: str, data: bytes, filename: str, user: User) -> imports.ImportResult | Job:
    """Import a small file now (its result), or queue a job for a large one (the job)."""
    if kind not in IMPORT_KINDS:
        raise ServiceError(f"Unknown import '{kind}'. Use one of: {', '.join(imports.KINDS)}.")
    rows = count_rows(data)
    if rows <= INLINE_ROWS_MAX:
        return imports.run_import(kind, io.BytesIO(data), user)
    job = _create(
        IMPORT_KINDS[kind],
        user,
        steps=2,
        stage=f"Waiting to import {rows:,} rows",
        result={"file": os.path.basename(filename or "upload.csv"), "rows": rows},
    )
    path = job_file(job.id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as exc:
        _finish(job.id, error=f"The file could not be stored for the import: {exc.strerror}.")
        return job
    _enqueue(job)
    return job


def start_find_duplicates(user: User) -> Job:
    """Queue a run of the duplicate finder over every wish, or return the one under way."""
    if not user.is_staff:
        raise Forbidden("Only staff can look for duplicates.")
    running = _unfinished(JobKind.FIND_DUPLICATES)
    if running is not None:
        return running
    job = _create(JobKind.FIND_DUPLICATES, user, steps=1, stage="Waiting to look at every wish")
    _enqueue(job)
    return job


def start_email_delivery() -> Job | None:
    """Queue a job sending the due emails, if mail is set up, some are due and none is queued."""
    if notify.smtp_settings() is None:
        return None
    due = notify.due_count()
    if not due or _unfinished(JobKind.SEND_EMAILS) is not None:
        db.session.rollback()  # only read; end the transaction
        return None
    job = _create(JobKind.SEND_EMAILS, None, steps=due, stage=f"Waiting to send {due} emails")
    _enqueue(job)
    return job


def job_file(job_id: int) -> Path:
    """Where an import job's uploaded file waits for the worker."""
    folder = current_app.config.get("JOB_FILES") or os.path.join(current_app.instance_path, "jobs")
    return Path(folder) / f"import-{job_id}.csv"


def _create(
    kind: JobKind, user: User | None, steps: int, stage: str, result: dict[str, Any] | None = None
) -> Job:
    """Store a queued job (committed, so the worker can read it)."""
    job = Job(
        kind=kind,
        status=JobStatus.QUEUED,
        created_by_id=user.id if user is not None else None,
        progress_done=0,
        progress_total=steps,
        stage=stage,
        result=result or {},
        error="",
        attempts=0,
    )
    db.session.add(job)
    db.session.commit()
    return job


def _enqueue(job: Job) -> None:
    """Hand a stored job to the task queue; a queue that cannot be reached fails the job."""
    # Imported here: the tasks module imports this one.
    from .. import tasks

    job_id = job.id
    task = tasks.run_job.s(job_id)
    task.retries = RETRIES[job.kind]
    # Immediate mode (tests) cannot wait: a delayed retry would only be scheduled, never run.
    task.retry_delay = 0 if huey.immediate else RETRY_DELAY_SECONDS
    try:
        huey.enqueue(task)
    except Exception as exc:  # noqa: BLE001 - e.g. Redis down: say so on the job's page
        log.exception("job %s could not be queued", job_id)
        job_file(job_id).unlink(missing_ok=True)
        _finish(job_id, error=f"The job could not be queued ({type(exc).__name__}: {exc}).")
    # In immediate mode the job ran in a session of its own; read what it wrote.
    db.session.expire_all()


def _unfinished(kind: JobKind) -> Job | None:
    """The newest job of this kind that is queued or running and not stale."""
    return db.session.scalar(
        select(Job)
        .where(
            Job.kind == kind,
            Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
            Job.created_at > utcnow() - STALE_AFTER,
        )
        .order_by(Job.id.desc())
        .limit(1)
    )


# ---- reading jobs -------------------------------------------------------------------------


def get_job(job_id: int, user: User) -> Job:
    """A job this user may see."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise NotFound("There is no such job.")
    if not job.visible_to(user):
        raise Forbidden("This job was started by someone else.")
    return job


def recent_jobs(user: User, limit: int = RECENT_JOBS) -> list[Job]:
    """The newest jobs this user may see, newest first."""
    newest = db.session.scalars(select(Job).order_by(Job.id.desc()).limit(limit * 10))
    return [job for job in newest if job.visible_to(user)][:limit]


# ---- running jobs (in the worker) ---------------------------------------------------------


def run(job_id: int, will_retry: bool = False) -> None:
    """Run a queued job and record its outcome; re-raise a failure that will be retried."""
    job = db.session.get(Job, job_id)
    if job is None or job.finished:
        return  # removed, or already run by an earlier delivery of the same task
    job.status, job.error = JobStatus.RUNNING, ""
    job.attempts += 1
    job.started_at = job.started_at or utcnow()
    db.session.commit()
    try:
        result = RUNNERS[job.kind](job)
    except imports.ImportFailed as exc:
        db.session.rollback()
        errors = [{"line": e.line, "message": e.message} for e in exc.errors]
        problems = f"{len(errors)} problem{'s' if len(errors) != 1 else ''}"
        _finish(
            job_id,
            error=f"Nothing was imported: {problems} in the file.",
            result={"errors": errors[:ERRORS_KEPT], "error_count": len(errors)},
        )
    except Exception as exc:
        db.session.rollback()
        reason = f"{type(exc).__name__}: {exc}"
        if will_retry:
            _requeued(job_id, reason)
            raise
        log.exception("job %s (%s) failed", job_id, job.kind)
        _finish(job_id, error=reason if isinstance(exc, ServiceError) else f"Failed: {reason}")
    else:
        _finish(job_id, result=result)


def _step(job: Job, done: int, stage: str) -> None:
    """Record progress (committed at once, so the job's page shows it)."""
    job.progress_done, job.stage = done, stage
    db.session.commit()


def _requeued(job_id: int, reason: str) -> None:
    """Mark a failed attempt that the queue will try again."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.status = JobStatus.QUEUED
    job.error = f"Attempt {job.attempts} failed ({reason}); it is tried again."
    job.stage = "Waiting to try again"
    db.session.commit()


def _finish(job_id: int, error: str = "", result: dict[str, Any] | None = None) -> None:
    """Mark a job succeeded (no error) or failed, keeping what it recorded so far."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.status = JobStatus.FAILED if error else JobStatus.SUCCEEDED
    job.error = error
    job.result = {**(job.result or {}), **(result or {})}
    if not error:
        job.progress_done, job.stage = job.progress_total, "Done"
    job.finished_at = utcnow()
    db.session.commit()


def _run_import(job: Job) -> dict[str, Any]:
    """Import the job's stored file, then find the new wishes' duplicates."""
    kind = "accounts" if job.kind == JobKind.IMPORT_ACCOUNTS else "wishes"
    path = job_file(job.id)
    user = job.created_by
    rows = (job.result or {}).get("rows", 0)
    _step(job, 0, f"Checking and importing {rows:,} rows")
    try:
        if not path.exists():
            raise ServiceError("The uploaded file is gone; upload it again.")
        done = imports.run_import(kind, path, user, rebundle=False)
    finally:
        path.unlink(missing_ok=True)
    counts = {"created": done.created, "updated": done.updated, "unchanged": done.unchanged}
    # Kept on the row at once: from here on the rows are in, whatever happens next.
    job.result = {**(job.result or {}), **counts}
    if not done.wish_ids:
        return counts
    _step(job, 1, f"Finding duplicates of the {len(done.wish_ids):,} new wishes")
    try:
        full, summary = matching.bundle_new_wishes(done.wish_ids)
    except Exception as exc:  # noqa: BLE001 - the import stands; finding duplicates can be rerun
        db.session.rollback()
        log.exception("finding duplicates after import job %s failed", job.id)
        return {**counts, "duplicates_error": f"{type(exc).__name__}: {exc}"}
    return {**counts, "duplicates": _summary(summary, full)}


def _run_find_duplicates(job: Job) -> dict[str, Any]:
    """Rerun the duplicate finder over every wish."""
    _step(job, 0, "Looking at every wish")
    return {"duplicates": _summary(matching.recompute_bundles(), True)}


def _run_send_emails(job: Job) -> dict[str, Any]:
    """Send the due emails (each failure only delays that email, see notify.send_queued)."""
    _step(job, 0, f"Sending {job.progress_total} emails")
    # Looked up here, not bound at import, so tests can swap in a fake server.
    summary = notify.send_queued(sender=notify.smtp_send)
    return {
        "sent": summary.sent,
        "failed": summary.failed,
        "gave_up": summary.gave_up,
        "remaining": summary.remaining,
    }


def _summary(summary: matching.ClusterSummary, full: bool) -> dict[str, Any]:
    """What a duplicate-finding run found, as stored on its job."""
    return {
        "full_run": full,
        "wishes": summary.wishes,
        "suggested_bundles": summary.suggested_bundles,
        "suggested_wishes": summary.suggested_wishes,
        "threshold": round(summary.threshold, 3),
    }


RUNNERS = {
    JobKind.IMPORT_ACCOUNTS: _run_import,
    JobKind.IMPORT_WISHES: _run_import,
    JobKind.FIND_DUPLICATES: _run_find_duplicates,
    JobKind.SEND_EMAILS: _run_send_emails,
}
