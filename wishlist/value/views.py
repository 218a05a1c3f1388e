"""Value pages for staff: the ranking, each bundle's score explained, flags, screening, themes."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from ..models import Role
from ..permissions import abort_for, roles_required, same_site_referrer, staff_required
from ..scoring import COMPONENTS, IMPORTANCES, ScoringConfig
from ..services import Forbidden, NotFound, ServiceError, insight
from ..services import backlog as backlog_service
from ..services import bundles as bundle_service
from ..services import value as value_service
from ..services.backlog import BacklogFilter
from ..services.wishes import parse_page
from . import bp
from .forms import ActionForm, FlagForm, ScreenForm, ThemeForm, WeightsForm

pm_required = roles_required(Role.PM, Role.ADMIN)
WEIGHT_PREFIXES = ("weight_", "importance_")
# Rows per page of the ranking: thousands of rows are megabytes of HTML nobody reads.
RANKING_PAGE_SIZE = 100


def _can_screen() -> bool:
    """Product managers and admins set weights, fit and themes; customer success looks."""
    return current_user.role in (Role.PM, Role.ADMIN)


def _weights_form(config: ScoringConfig) -> WeightsForm:
    """The weights form showing a config's numbers."""
    data = {f"weight_{k}": f"{float(config.weights[k]):g}" for k in COMPONENTS}
    data |= {f"importance_{k}": f"{float(config.importance_weights[k]):g}" for k in IMPORTANCES}
    # Never read the request here: the page shows the numbers actually in use.
    form = WeightsForm(formdata=None, data=data)
    return form


@bp.route("/")
@staff_required
def ranking() -> str | tuple[str, int] | Response:
    """All bundles by score; with weights in the query string, a preview under those weights."""
    if "csrf_token" in request.args:
        # Preview shares the save form, whose token must not stay in addresses and history.
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "csrf_token"]
        return redirect(url_for("value.ranking") + "?" + urlencode(kept))
    include_off = request.args.get("off_strategy") == "1"
    saved = value_service.scoring_config()
    config, preview, error = saved, False, None
    if any(name.startswith(WEIGHT_PREFIXES) for name in request.args):
        try:
            config = value_service.parse_config(request.args)
            preview = True
        except ServiceError as exc:
            error = str(exc)
    try:
        page = parse_page(request.args.get("page"))
    except ServiceError as exc:
        abort_for(exc)
    # The backlog's ranking (one ranking path): bundles and lone wishes, every open wish.
    wanted = BacklogFilter(include_off_strategy=include_off)
    ranked = backlog_service.backlog(wanted, config=config, base_url=request.url_root)
    pages = max(1, -(-len(ranked) // RANKING_PAGE_SIZE))
    if page > pages:
        abort(404, description=f"There is no page {page}; the last page is {pages}.")
    shown = ranked[(page - 1) * RANKING_PAGE_SIZE : page * RANKING_PAGE_SIZE]
    changes: dict[int, int | None] = {}
    if preview:
        before = {
            r.key: r.rank
            for r in backlog_service.backlog(wanted, config=saved, base_url=request.url_root)
        }
        # Positive: the bundle moves up under the previewed weights.
        changes = {r.key: (before[r.key] - r.rank) if r.key in before else None for r in shown}
    status = 400 if error else 200
    return render_template(
        "value/ranking.html",
        ranked=shown,
        total=len(ranked),
        page=page,
        pages=pages,
        scale=value_service.scale_explanation(config),
        form=_weights_form(config),
        preview=preview,
        changes=changes,
        error=error,
        include_off=include_off,
        can_save=_can_screen(),
        preview_args={k: v for k, v in request.args.items() if k.startswith(WEIGHT_PREFIXES)},
    ), status


@bp.route("/weights", methods=["POST"])
@pm_required
def save_weights() -> Response:
    """Store new scoring weights (product managers and admins)."""
    form = WeightsForm()
    if not form.validate_on_submit():
        flash("Weights not saved: each weight is a short number.", "error")
        return redirect(url_for("value.ranking"))
    try:
        config = value_service.parse_config(request.form)
        value_service.save_scoring_config(current_user, config)
    except Forbidden as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(f"Weights not saved: {exc}", "error")
        return redirect(url_for("value.ranking"))
    flash("Scoring weights saved; the ranking now uses them.", "success")
    return redirect(url_for("value.ranking"))


def _theme_choices(current_id: int | None) -> list[SelectChoice]:
    """Active themes for a select box (plus the bundle's own theme if it was deactivated)."""
    themes = [t for t in value_service.list_themes() if t.active or t.id == current_id]
    return [SelectChoice("", "No theme")] + [
        SelectChoice(str(t.id), t.name if t.active else f"{t.name} (inactive)") for t in themes
    ]


def _flag_choices(bundle_id: int) -> list[SelectChoice]:
    """Only accounts asking for the bundle can be flagged on it (scoring ignores the others)."""
    return [SelectChoice(a.id, a.name) for a in value_service.accounts_for([bundle_id])]


def _explained(key: int) -> dict[str, object]:
    """A ranking key's score, the accounts expected to need it, and the segments they share."""
    result = value_service.score(key)
    expected = value_service.reach_accounts(key)
    accounts = value_service.account_facts()
    askers = {e.account_id: accounts[e.account_id] for e in result.exposures}
    return {
        "result": result,
        "expected": expected,
        "shared": insight.shared_segments(expected, askers),
    }


@bp.route("/bundles/<int:bundle_id>")
@staff_required
def bundle(bundle_id: int) -> str:
    """One bundle's score explained: components, accounts behind it, reach, wishes, flags."""
    try:
        found = bundle_service.get_bundle(bundle_id)
        explained = _explained(bundle_id)
    except ServiceError as exc:
        abort_for(exc)
    flag_form = FlagForm(formdata=None)
    flag_form.account.choices = _flag_choices(bundle_id)
    screen_form = suggestion = None
    if _can_screen():
        theme, fit, similarity = value_service.theme_suggestion(found)
        suggestion = {"theme": theme, "fit": fit, "similarity": similarity} if theme else None
        data = {
            "fit": "" if found.strategic_fit is None else str(found.strategic_fit),
            "theme": str(found.theme_id or ""),
        }
        if found.strategic_fit is None and suggestion:
            data = {"fit": str(fit), "theme": str(theme.id)}
        screen_form = ScreenForm(formdata=None, data=data)
        screen_form.theme.choices = _theme_choices(found.theme_id)
    return render_template(
        "value/bundle.html",
        bundle=found,
        **explained,
        flag_form=flag_form,
        screen_form=screen_form,
        suggestion=suggestion,
        action_form=ActionForm(),
    )


@bp.route("/wishes/<int:wish_id>")
@staff_required
def wish(wish_id: int) -> str | Response:
    """A wish in no bundle, scored as a bundle of one; a bundled wish's page is its bundle's."""
    try:
        found = value_service.lone_wish(wish_id)
        if found.bundle_id is not None:
            return redirect(url_for("value.bundle", bundle_id=found.bundle_id))
        explained = _explained(value_service.lone_key(wish_id))
    except ServiceError as exc:
        abort_for(exc)
    return render_template(
        "value/wish.html",
        wish=found,
        **explained,
        action_form=ActionForm(),
    )


@bp.route("/wishes/<int:wish_id>/bundle", methods=["POST"])
@staff_required
def make_bundle(wish_id: int) -> Response:
    """Make a lone wish a bundle of one, so it can be flagged, screened and given a status."""
    if not ActionForm().validate_on_submit():
        abort(400, description="The form expired; reload the page and try again.")
    try:
        decision = bundle_service.make_bundle_of_one(current_user, wish_id)
    except ServiceError as exc:
        abort_for(exc)
    flash("It is now a bundle of one: flag accounts, screen it and set its status here.", "success")
    return redirect(url_for("value.bundle", bundle_id=decision.bundle_id))


@bp.route("/bundles/<int:bundle_id>/flags", methods=["POST"])
@staff_required
def add_flag(bundle_id: int) -> Response:
    """Flag an asking account as a churn risk or a deal blocker on this bundle."""
    back = url_for("value.bundle", bundle_id=bundle_id)
    form = FlagForm()
    form.account.choices = _flag_choices(bundle_id)
    if not form.validate_on_submit():
        errors = [e for field in form for e in field.errors]
        flash("Flag not saved: " + (" ".join(errors) or "check the form."), "error")
        return redirect(back)
    try:
        amount = value_service.parse_money(form.amount.data)
        flag = value_service.flag_account(
            current_user, bundle_id, form.account.data, form.kind.data, amount, form.note.data or ""
        )
    except (NotFound, Forbidden) as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(f"Flag not saved: {exc}", "error")
        return redirect(back)
    flash(f"Flagged {flag.account.name}: {flag.kind.label.lower()}.", "success")
    return redirect(back)


@bp.route("/flags/<int:flag_id>/delete", methods=["POST"])
@staff_required
def remove_flag(flag_id: int) -> Response:
    """Take a flag back."""
    if not ActionForm().validate_on_submit():
        abort(400, description="The form was out of date. Reload the page and try again.")
    try:
        value_service.remove_flag(current_user, flag_id)
    except ServiceError as exc:
        abort_for(exc)
    flash("Flag removed.", "success")
    return redirect(same_site_referrer(url_for("value.ranking")))


@bp.route("/bundles/<int:bundle_id>/screen", methods=["POST"])
@pm_required
def screen(bundle_id: int) -> Response:
    """Set a bundle's strategic fit and theme (product managers and admins)."""
    back = url_for("value.bundle", bundle_id=bundle_id)
    try:
        found = bundle_service.get_bundle(bundle_id)
    except ServiceError as exc:
        abort_for(exc)
    form = ScreenForm()
    form.theme.choices = _theme_choices(found.theme_id)
    if not form.validate_on_submit():
        flash("Screening not saved: choose a fit and a theme from the lists.", "error")
        return redirect(back)
    fit = int(form.fit.data) if form.fit.data else None
    theme_id = int(form.theme.data) if form.theme.data else None
    try:
        value_service.screen_bundle(current_user, bundle_id, fit, theme_id)
    except (NotFound, Forbidden) as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(f"Screening not saved: {exc}", "error")
        return redirect(back)
    if fit is None:
        flash("Bundle marked as not screened.", "success")
    elif fit == 0:
        flash("Bundle screened as off strategy; it leaves the ranking.", "success")
    else:
        flash(f"Bundle screened: fit {fit} of 5.", "success")
    return redirect(back)


@bp.route("/themes", methods=["GET", "POST"])
@staff_required
def themes() -> str | tuple[str, int] | Response:
    """Strategic themes: everyone on staff sees them, product managers add them."""
    form = ThemeForm()
    status = 200
    if request.method == "POST":
        if not _can_screen():
            abort(403)
        if form.validate_on_submit():
            try:
                theme = value_service.save_theme(
                    current_user, None, form.name.data, form.description.data or "", True
                )
            except (NotFound, Forbidden) as exc:
                abort_for(exc)
            except ServiceError as exc:
                flash(str(exc), "error")
                status = 400
            else:
                flash(f"Theme {theme.name} added.", "success")
                return redirect(url_for("value.themes"))
        else:
            status = 400
    return render_template(
        "value/themes.html",
        themes=value_service.list_themes(),
        form=form,
        edit_form=ThemeForm(formdata=None),
        can_edit=_can_screen(),
    ), status


@bp.route("/themes/<int:theme_id>", methods=["POST"])
@pm_required
def edit_theme(theme_id: int) -> Response:
    """Rename, describe, activate or deactivate a theme."""
    form = ThemeForm()
    if not form.validate_on_submit():
        flash("Theme not saved: it needs a name of up to 120 characters.", "error")
        return redirect(url_for("value.themes"))
    try:
        theme = value_service.save_theme(
            current_user, theme_id, form.name.data, form.description.data or "", form.active.data
        )
    except (NotFound, Forbidden) as exc:
        abort_for(exc)
    except ServiceError as exc:
        flash(f"Theme not saved: {exc}", "error")
        return redirect(url_for("value.themes"))
    state = "active" if theme.active else "inactive"
    flash(f"Theme {theme.name} saved ({state}).", "success")
    return redirect(url_for("value.themes"))
