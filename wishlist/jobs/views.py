"""Job pages for staff: the jobs they may see, and one job's progress and outcome."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from ..permissions import abort_for, staff_required
from ..services import ServiceError
from ..services import jobs as job_service
from . import bp

# Seconds between reloads of an unfinished job's page (a meta refresh: no script needed).
REFRESH_SECONDS = 2


@bp.route("/")
@staff_required
def index() -> str:
    """The newest jobs this member of staff may see."""
    return render_template("jobs/index.html", jobs=job_service.recent_jobs(current_user))


@bp.route("/<int:job_id>")
@staff_required
def job(job_id: int) -> str:
    """One job: its progress while it runs, then its result or its error."""
    try:
        found = job_service.get_job(job_id, current_user)
    except ServiceError as exc:
        abort_for(exc)
    refresh = None if found.finished else REFRESH_SECONDS
    return render_template("jobs/job.html", job=found, refresh=refresh)
