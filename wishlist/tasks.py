"""The tasks the job worker (`flask jobs worker`, Huey's consumer) runs.

Each is a thin shell: an app context of its own (so its own database session), then one call
into services/jobs.py, where the work and its bookkeeping live.
"""

from __future__ import annotations

from huey import crontab
from huey.api import Task

from .extensions import huey
from .services import jobs


@huey.task(context=True)
def run_job(job_id: int, task: Task | None = None) -> None:
    """Run one job; its retries (set per kind when it is queued) come back here."""
    with huey.app_context():
        jobs.run(job_id, will_retry=bool(task is not None and task.retries))


@huey.periodic_task(crontab(minute="*"))
def send_due_emails() -> None:
    """Once a minute, queue a job sending the emails that are due (instead of a cron entry)."""
    with huey.app_context():
        jobs.start_email_delivery()
