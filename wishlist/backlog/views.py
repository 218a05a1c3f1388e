"""The backlog for product managers: ranking with filters, chart, what-if weights, exports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..models import Bundle, Role, WishStatus, utcnow
from ..permissions import abort_for, roles_required, staff_required
from ..scoring import COMPONENTS, IMPORTANCES, ScoringConfig
from ..services import Forbidden, NotFound, ServiceError
from ..services import backlog as backlog_service
from ..services import export as export_service
from ..services import status as status_service
from ..services import users as user_service
from ..services import value as value_service
from ..services.backlog import BacklogFilter, BacklogRow
from ..services.wishes import parse_page
from ..value.forms import WeightsForm
from . import bp
from .chart import scatter
from .forms import BundleStatusForm, FilterForm

pm_required = roles_required(Role.PM, Role.ADMIN)
WEIGHT_PREFIXES = ("weight_", "importance_")
EXPORT_FORMATS = ("csv", "xlsx", "json", "md", "jira")
EXPORT_LABELS = {"csv": "CSV", "xlsx": "Excel", "json": "JSON", "md": "Markdown", "jira": "Jira"}
# Table columns: (sort key, heading, numeric). Keys the service cannot sort by are plain text.
COLUMNS = (
    ("rank", "Rank", True),
    ("title", "Bundle", False),
    ("score", "Score", True),
    ("customer_count", "Customers", True),
    ("revenue_at_risk", "Revenue at risk", True),
    ("strategic_fit", "Fit", False),
    ("theme", "Theme", False),
    ("reach_arr", "Reach", True),
    ("status", "Status", False),
    ("wish_count", "Wishes", True),
    ("vote_count", "Votes", True),
    ("top_accounts", "Top accounts by ARR", False),
)

# Rows per page of the table (the page must stay fast with 10,000 bundles; exports have all).
PAGE_SIZE = 100
CHART_LIMIT = 300


@dataclass
class Ranking:
    """One reading of the page's query string: the filter, the rows, and any preview."""

    filter: BacklogFilter
    rows: Sequence[BacklogRow]
    filter_args: list[tuple[str, str]]
    preview: bool = False
    config: ScoringConfig | None = None
    weight_args: list[tuple[str, str]] = field(default_factory=list)
    changes: dict[int, int | None] = field(default_factory=dict)
    error: str | None = None
    weights_error: str | None = None


def _href(endpoint: str, args: list[tuple[str, str]], **values: Any) -> str:
    """A link to endpoint with repeated query parameters kept in order."""
    query = urlencode(args)
    return url_for(endpoint, **values) + (f"?{query}" if query else "")


def _read(args: MultiDict[str, str]) -> Ranking:
    """Parse filters (and what-if weights) from the query string and rank the bundles."""
    error = weights_error = None
    try:
        backlog_filter = backlog_service.parse_backlog_filter(args)
    except ServiceError as exc:
        # Show the whole backlog with the reason rather than an error page without a way back.
        error = str(exc)
        backlog_filter = backlog_service.parse_backlog_filter(MultiDict())
    config = None
    weight_args = [(k, v) for k, v in args.items(multi=True) if k.startswith(WEIGHT_PREFIXES)]
    if weight_args:
        try:
            config = value_service.parse_config(args)
        except ServiceError as exc:
            weights_error = str(exc)
    rows = backlog_service.backlog(backlog_filter, config=config, base_url=request.url_root)
    ranking = Ranking(
        filter=backlog_filter,
        rows=rows,
        filter_args=backlog_service.filter_to_args(backlog_filter),
        error=error,
        weights_error=weights_error,
    )
    if config is not None:
        saved_rows = backlog_service.backlog(backlog_filter, base_url=request.url_root)
        before = {r.key: r.rank for r in saved_rows}
        ranking.preview, ranking.config, ranking.weight_args = True, config, weight_args
        # Positive: the bundle moves up under the previewed weights; None: it was not listed.
        ranking.changes = {
            r.key: (before[r.key] - r.rank) if r.key in before else None for r in rows
        }
    return ranking


def _sort_links(ranking: Ranking) -> dict[str, str]:
    """For each sortable column, the address that sorts by it (again: the other way round)."""
    current = ranking.filter
    kept = [(k, v) for k, v in ranking.filter_args if k not in ("sort", "dir")]
    kept += ranking.weight_args
    links = {}
    for key, _, _ in COLUMNS:
        if key not in backlog_service.SORT_COLUMNS:
            continue
        args = [*kept, ("sort", key)]
        if key == current.sort:
            args.append(("dir", "asc" if current.is_descending else "desc"))
        links[key] = _href("backlog.index", args)
    return links


def _filter_form(backlog_filter: BacklogFilter, facets: dict[str, list[str]]) -> FilterForm:
    """The filter form showing the filter in force, with today's choices."""
    min_score = backlog_filter.min_score
    form = FilterForm(
        formdata=None,
        data={
            "q": backlog_filter.q,
            "status": [s.value for s in backlog_filter.statuses],
            "theme": list(backlog_filter.themes),
            "area": [str(a) for a in backlog_filter.area_ids],
            "tier": list(backlog_filter.tiers),
            "segment": list(backlog_filter.segments),
            "min_score": "" if min_score is None else f"{min_score:g}",
            "off_strategy": backlog_filter.include_off_strategy,
        },
    )
    form.theme.choices = [SelectChoice(name, name) for name in facets["themes"]]
    form.area.choices = [
        SelectChoice(str(a.id), a.name) for a in user_service.list_product_areas(True)
    ]
    form.tier.choices = [SelectChoice(t, t) for t in facets["tiers"]]
    form.segment.choices = [SelectChoice(s, s) for s in facets["segments"]]
    return form


def _weights_form(config: ScoringConfig) -> WeightsForm:
    """The what-if weights form showing a config's numbers."""
    data = {f"weight_{k}": f"{float(config.weights[k]):g}" for k in COMPONENTS}
    data |= {f"importance_{k}": f"{float(config.importance_weights[k]):g}" for k in IMPORTANCES}
    return WeightsForm(formdata=None, data=data)


def _tidy_address() -> Response | None:
    """Redirect to the same address without empty fields, the Preview button and a CSRF token.

    Untouched fields of the filter form arrive empty, and Preview shares the save form, whose
    token must not stay in addresses and history; what is left is the address to share.
    """
    given = list(request.args.items(multi=True))
    kept = [(k, v) for k, v in given if v != "" and k not in ("csrf_token", "preview")]
    if len(kept) == len(given):
        return None
    return redirect(_href(request.endpoint or "backlog.index", kept))


@bp.route("/")
@staff_required
def index() -> str | tuple[str, int] | Response:
    """Bundles by value with their components, filters, chart, what-if weights and exports."""
    tidied = _tidy_address()
    if tidied is not None:
        return tidied
    ranking = _read(request.args)
    try:
        page = parse_page(request.args.get("page"))
    except ServiceError as exc:
        abort_for(exc)
    pages = max(1, -(-len(ranking.rows) // PAGE_SIZE))
    if page > pages:
        abort(404, description=f"There is no page {page}; the last page is {pages}.")
    saved = value_service.scoring_config()
    facets = backlog_service.facet_values()
    kept = ranking.filter_args + ranking.weight_args
    # The chart shows the best-ranked bundles: thousands of dots would only be noise.
    if isinstance(ranking.rows, backlog_service.RankedRows):
        charted = ranking.rows[:CHART_LIMIT]  # already in rank order: build only these rows
    else:
        charted = sorted(ranking.rows, key=lambda r: r.rank)[:CHART_LIMIT]
    return render_template(
        "backlog/index.html",
        ranking=ranking,
        rows=ranking.rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(ranking.rows),
        page=page,
        pages=pages,
        prev_href=_href("backlog.index", [*kept, ("page", str(page - 1))]) if page > 1 else None,
        next_href=(
            _href("backlog.index", [*kept, ("page", str(page + 1))]) if page < pages else None
        ),
        charted=len(charted),
        scale=value_service.scale_explanation(ranking.config or saved),
        columns=COLUMNS,
        sort_links=_sort_links(ranking),
        descending=ranking.filter.is_descending,
        filter_form=_filter_form(ranking.filter, facets),
        weights_form=_weights_form(ranking.config or saved),
        can_save=current_user.role in (Role.PM, Role.ADMIN),
        chart=scatter(charted, facets["themes"] + [r.theme for r in charted]),
        exports=[
            (EXPORT_LABELS[fmt], _href("backlog.export", ranking.filter_args, fmt=fmt))
            for fmt in EXPORT_FORMATS
        ],
        print_href=_href("backlog.print_view", ranking.filter_args + ranking.weight_args),
        saved_href=_href("backlog.index", ranking.filter_args),
    ), (400 if ranking.error or ranking.weights_error else 200)


@bp.route("/print")
@staff_required
def print_view() -> str | tuple[str, int] | Response:
    """The same ranking as a plain table for the planning meeting."""
    tidied = _tidy_address()
    if tidied is not None:
        return tidied
    ranking = _read(request.args)
    return render_template(
        "backlog/print.html",
        ranking=ranking,
        rows=ranking.rows,
        printed_at=utcnow(),
        back_href=_href("backlog.index", ranking.filter_args + ranking.weight_args),
    ), (400 if ranking.error or ranking.weights_error else 200)


@bp.route("/export.csv", defaults={"fmt": "csv"})
@bp.route("/export.xlsx", defaults={"fmt": "xlsx"})
@bp.route("/export.json", defaults={"fmt": "json"})
@bp.route("/export.md", defaults={"fmt": "md"})
@bp.route("/export.jira", defaults={"fmt": "jira"})
@staff_required
def export(fmt: str) -> Response:
    """The backlog under the page's filters as a file to download (saved weights only)."""
    if fmt not in export_service.FORMATS:
        abort(404)
    try:
        backlog_filter = backlog_service.parse_backlog_filter(request.args)
    except ServiceError as exc:
        abort_for(exc)
    rows = backlog_service.backlog(backlog_filter, base_url=request.url_root)
    now = utcnow()
    data, mimetype, suffix = export_service.export_backlog(
        rows, fmt, filters=backlog_filter, now=now
    )
    name = f"backlog-{now:%Y%m%d}.{suffix.lstrip('.')}"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # Revenue and account names: keep them out of shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/bundles/<int:bundle_id>/status", methods=["POST"])
@pm_required
def change_status(bundle_id: int) -> Response:
    """Move a bundle (and its wishes) through the workflow (product managers and admins)."""
    back = url_for("value.bundle", bundle_id=bundle_id) + "#bundle-status"
    form = BundleStatusForm()
    if not form.validate_on_submit():
        errors = [e for f in form for e in f.errors]
        flash("Status not changed: " + (" ".join(errors) or "check the form."), "error")
        return redirect(back)
    status = WishStatus(form.status.data)
    try:
        status_service.set_bundle_status(
            current_user,
            bundle_id,
            status,
            form.reason.data or "",
            confirm_reopen=form.confirm_reopen.data,
        )
    except (NotFound, Forbidden) as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(f"Status not changed: {exc}", "error")
        return redirect(back)
    flash(f"Bundle #{bundle_id} is now {status.label.lower()}.", "success")
    return redirect(back)


@bp.app_context_processor
def bundle_extra_helpers() -> dict[str, Any]:
    """What templates/backlog/_bundle_extra.html needs on the value page of a bundle."""

    def status_form(bundle: Bundle) -> BundleStatusForm:
        return BundleStatusForm(formdata=None, data={"status": bundle.status.value})

    return {
        "backlog_status_form": status_form,
        "backlog_status_history": status_service.bundle_history,
        "backlog_can_set_status": status_service.can_set_bundle_status,
        "backlog_has_shipped_work": status_service.has_shipped_work,
    }
