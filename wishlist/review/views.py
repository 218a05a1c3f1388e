"""Review queue pages for staff: look at suggested bundles and decide."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from ..permissions import abort_for, same_site_referrer, staff_required
from ..services import Forbidden, NotFound, ServiceError, matching, review
from ..services import bundles as bundle_service
from ..services import jobs as job_service
from ..services.wishes import parse_page
from . import bp
from .forms import ActionForm, BundleEditForm, BundleRefForm, MoveForm


@bp.route("/")
@staff_required
def queue() -> str:
    """Bundles waiting for a decision, largest value first (or confirmed ones, with ?show=)."""
    show = request.args.get("show", "suggested")
    if show not in review.QUEUE_VIEWS:
        abort(400, description="Unknown view.")
    try:
        page = review.queue(show, parse_page(request.args.get("page")))
    except ServiceError as exc:
        abort_for(exc)
    return render_template(
        "review/queue.html",
        page=page,
        show=show,
        views=review.QUEUE_VIEWS,
        action_form=ActionForm(),
        threshold=matching.threshold(),
        semantic=matching.semantic_status(),
    )


@bp.route("/bundles/<int:bundle_id>")
@staff_required
def bundle(bundle_id: int) -> str:
    """One bundle: its wishes, the evidence for each, who stands behind it, decisions."""
    try:
        detail = review.bundle_detail(bundle_id)
    except ServiceError as exc:
        abort_for(exc)
    found = detail.bundle
    return render_template(
        "review/bundle.html",
        detail=detail,
        action_form=ActionForm(),
        edit_form=BundleEditForm(title=found.title, description=found.description),
        merge_form=BundleRefForm(),
        move_form=MoveForm(),
    )


def _decide(call: object, redirect_to: str | None = None) -> Response:
    """Run a CSRF-checked decision, report it, and go back."""
    if not ActionForm().validate_on_submit():
        abort(400, description="The form was out of date. Reload the page and try again.")
    try:
        decision = call()  # type: ignore[operator]
    except (NotFound, Forbidden) as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(same_site_referrer(url_for("review.queue")))
    flash(f"{decision.summary}.", "success")
    return redirect(redirect_to or same_site_referrer(url_for("review.queue")))


@bp.route("/bundles/<int:bundle_id>/accept", methods=["POST"])
@staff_required
def accept(bundle_id: int) -> Response:
    """Confirm a suggested bundle."""
    return _decide(lambda: bundle_service.accept_bundle(current_user, bundle_id))


@bp.route("/bundles/<int:bundle_id>/reject", methods=["POST"])
@staff_required
def reject(bundle_id: int) -> Response:
    """Reject a suggestion: its wishes are not duplicates."""
    return _decide(
        lambda: bundle_service.reject_bundle(current_user, bundle_id), url_for("review.queue")
    )


@bp.route("/bundles/<int:bundle_id>/remove/<int:wish_id>", methods=["POST"])
@staff_required
def remove(bundle_id: int, wish_id: int) -> Response:
    """Take one wish out of a bundle."""
    return _decide(lambda: bundle_service.remove_wish(current_user, bundle_id, wish_id))


@bp.route("/bundles/<int:bundle_id>/merge", methods=["POST"])
@staff_required
def merge(bundle_id: int) -> Response:
    """Merge another bundle into this one."""
    form = BundleRefForm()
    if not form.validate_on_submit():
        flash("Give the number of the bundle to merge into this one.", "error")
        return redirect(url_for("review.bundle", bundle_id=bundle_id))
    return _decide(
        lambda: bundle_service.merge_bundles(current_user, bundle_id, form.bundle_id.data),
        url_for("review.bundle", bundle_id=bundle_id),
    )


@bp.route("/bundles/<int:bundle_id>/edit", methods=["POST"])
@staff_required
def edit(bundle_id: int) -> Response:
    """Give a bundle a clear title and description."""
    form = BundleEditForm()
    if not form.validate_on_submit():
        flash("A bundle needs a title of 3 to 200 characters.", "error")
        return redirect(url_for("review.bundle", bundle_id=bundle_id))
    return _decide(
        lambda: bundle_service.edit_bundle(
            current_user, bundle_id, form.title.data, form.description.data or ""
        ),
        url_for("review.bundle", bundle_id=bundle_id),
    )


@bp.route("/wishes/<int:wish_id>/move", methods=["POST"])
@staff_required
def move(wish_id: int) -> Response:
    """Move a wish to another bundle, or into a new one of its own."""
    form = MoveForm()
    if not form.validate_on_submit():
        flash("Give a bundle number, or leave it empty for a new bundle.", "error")
        return redirect(same_site_referrer(url_for("review.queue")))
    return _decide(lambda: bundle_service.move_wish(current_user, wish_id, form.bundle_id.data))


@bp.route("/wishes/<int:wish_id>/bundle-with/<int:other_id>", methods=["POST"])
@staff_required
def bundle_with(wish_id: int, other_id: int) -> Response:
    """Bundle two wishes by hand (from a wish's possible duplicates)."""
    return _decide(lambda: bundle_service.bundle_wishes(current_user, [wish_id, other_id]))


@bp.route("/recompute", methods=["POST"])
@staff_required
def recompute() -> Response:
    """Queue a run of the duplicate finder over every wish; its job page shows the outcome."""
    if not ActionForm().validate_on_submit():
        abort(400, description="The form was out of date. Reload the page and try again.")
    try:
        job = job_service.start_find_duplicates(current_user)
    except ServiceError as exc:
        abort_for(exc)
    return redirect(url_for("jobs.job", job_id=job.id))


@bp.route("/decisions")
@staff_required
def decisions() -> str:
    """The log of bundling decisions, newest first, each with undo."""
    return render_template(
        "review/decisions.html",
        decisions=bundle_service.decisions(limit=200),
        action_form=ActionForm(),
    )


@bp.route("/decisions/<int:decision_id>/undo", methods=["POST"])
@staff_required
def undo(decision_id: int) -> Response:
    """Undo one decision."""
    if not ActionForm().validate_on_submit():
        abort(400, description="The form was out of date. Reload the page and try again.")
    try:
        entry = bundle_service.undo(current_user, decision_id)
    except (NotFound, Forbidden) as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(str(exc), "error")
        return redirect(url_for("review.decisions"))
    flash(f"Undone: {entry.summary}.", "success")
    return redirect(same_site_referrer(url_for("review.decisions")))
