"""`flask` sub-commands: demo data and user administration."""

from __future__ import annotations

import os
import sys
import tempfile
import time

import click
from flask import Flask

from . import dedupe
from .dedupe.embedding import EmbeddingUnavailable
from .extensions import db
from .models import Role
from .services import ServiceError, demo_scale, matching
from .services import backlog as backlog_service
from .services import demo as demo_service
from .services import export as export_service
from .services import imports as import_service
from .services import users as user_service


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    app.cli.add_command(demo_command)
    app.cli.add_command(users_group)
    app.cli.add_command(cluster_command)
    app.cli.add_command(dedupe_command)
    app.cli.add_command(import_group)
    app.cli.add_command(export_group)
    app.cli.add_command(notifications_group)
    app.cli.add_command(counters_group)
    app.cli.add_command(jobs_group)


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete all data first, then load the demo.")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no users.")
@click.option(
    "--scale",
    type=click.IntRange(min=1),
    help="Instead, bulk-build a large installation with this many wishes (e.g. 100000).",
)
@click.option(
    "--votes",
    type=click.IntRange(min=0),
    help=f"With --scale: votes in all [default: {demo_scale.DEFAULT_VOTES_PER_WISH} per wish].",
)
@click.option("--seed", type=int, help=f"With --scale: random seed [default: {demo_scale.SEED}].")
def demo_command(
    reset: bool, if_empty: bool, scale: int | None, votes: int | None, seed: int | None
) -> None:
    """Load realistic demo data (accounts, users, wishes, votes, comments, history)."""
    # A bad size is refused before the database is looked at, so it never changes anything.
    plan = _scale_plan(scale, votes, seed)
    if if_empty and not demo_service.database_is_empty():
        click.echo("The database already has data; demo data not loaded.")
        return
    if not reset and not demo_service.database_is_empty():
        raise click.ClickException(
            "The database already has data. Use --reset to replace it with the demo."
        )
    if plan is None:
        summary = demo_service.load_demo(reset=reset)
    else:
        started = time.perf_counter()

        def progress(message: str) -> None:
            """One line per phase on stderr, with the time since the start."""
            click.echo(f"[{time.perf_counter() - started:6.1f}s] {message}", err=True)

        summary = demo_scale.build_scale_demo(plan, reset=reset, progress=progress)
        progress("done")
    click.echo(
        "Demo data loaded: " + ", ".join(f"{count} {name}" for name, count in summary.items()) + "."
    )
    click.echo(demo_service.LOGINS_HELP)


def _scale_plan(
    scale: int | None, votes: int | None, seed: int | None
) -> demo_scale.ScalePlan | None:
    """The size of a --scale demo, checked (None for the small demo)."""
    if scale is None:
        if votes is not None or seed is not None:
            raise click.UsageError("--votes and --seed go with --scale.")
        return None
    try:
        return demo_scale.plan_scale(scale, votes, demo_scale.SEED if seed is None else seed)
    except ServiceError as exc:
        raise click.BadParameter(str(exc), param_hint="'--votes'") from None


@click.group("users")
def users_group() -> None:
    """Create and list users."""


@users_group.command("create")
@click.argument("email")
@click.option(
    "--role", type=click.Choice([r.value for r in Role]), default="customer", show_default=True
)
@click.option("--account", "account_key", help="The account's email domain or name.")
@click.option("--password", help="Without one, an invitation link is printed.")
@click.option("--name", help="Display name (defaults to the part of the email before @).")
def users_create(
    email: str, role: str, account_key: str | None, password: str | None, name: str | None
) -> None:
    """Create a user."""
    account = user_service.find_account(account_key) if account_key else None
    if account_key and account is None:
        raise click.ClickException(f"No account with the domain or name '{account_key}'.")
    try:
        user = user_service.create_user(email, role, account, password, name)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {user.email} ({user.role.value}).")
    if user.password_hash is None:
        click.echo(f"Invitation path: /invite/{user_service.invite_token(user)}")


@users_group.command("list")
def users_list() -> None:
    """List users with role and account."""
    for user in user_service.list_users():
        account = user.account.name if user.account else "-"
        state = "" if user.active else " (deactivated)"
        click.echo(f"{user.email}\t{user.role.value}\t{account}{state}")


@click.command("cluster")
def cluster_command() -> None:
    """Run the duplicate finder over every wish and replace the bundle suggestions."""
    summary = matching.recompute_bundles()
    click.echo(
        f"Looked at {summary.wishes} wishes with threshold {summary.threshold:.2f}: "
        f"{summary.suggested_bundles} new suggested bundles, "
        f"{summary.suggested_wishes} wishes suggested in all."
    )


@click.command("dedupe")
@click.argument("input_csv", type=click.Path(dir_okay=False))
@click.option("--bundles-out", type=click.Path(dir_okay=False), help="Write id,bundle_id here.")
@click.option(
    "--neighbors-out", type=click.Path(dir_okay=False), help="Write id,neighbor_id,score here."
)
@click.option("--neighbors", "k", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help=(
        "Similarity at which two wishes belong in one bundle. Default: the calibrated "
        f"{dedupe.DEFAULT_SEMANTIC_THRESHOLD} with embeddings, {dedupe.DEFAULT_THRESHOLD} without."
    ),
)
@click.option(
    "--semantic/--no-semantic",
    default=None,
    help=(
        "Use sentence embeddings (default: when the model is installed). --semantic fails "
        "if it is not."
    ),
)
@click.option(
    "--embedding-cache",
    type=click.Path(dir_okay=False),
    help="Keep embeddings in this .npz file, so later runs embed only new or changed rows.",
)
@click.option("--quiet", is_flag=True, help="No progress messages on stderr.")
def dedupe_command(
    input_csv: str,
    bundles_out: str | None,
    neighbors_out: str | None,
    k: int,
    threshold: float | None,
    semantic: bool | None,
    embedding_cache: str | None,
    quiet: bool,
) -> None:
    """Find near-duplicate rows of a CSV (id, title, optional body); needs no database.

    The signals used are reported on stderr; WISHLIST_EMBEDDING_MODEL picks the model.
    """
    started = time.perf_counter()

    def progress(message: str) -> None:
        if not quiet:
            click.echo(f"[{time.perf_counter() - started:7.1f}s] {message}", err=True)

    try:
        summary = dedupe.run(
            input_csv,
            bundles_out,
            neighbors_out,
            k=k,
            threshold=threshold,
            progress=progress,
            semantic=semantic,
            embedding_cache=embedding_cache,
        )
    except dedupe.DedupeInputError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except EmbeddingUnavailable as exc:
        click.echo(f"Error: semantic matching: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        click.echo(f"Error: {exc.strerror or exc}: {exc.filename or input_csv}", err=True)
        sys.exit(2)
    click.echo(
        f"{summary.documents} wishes: {summary.bundles} bundles of two or more "
        f"({summary.bundled_documents} wishes, largest {summary.largest_bundle}); "
        f"threshold {summary.threshold:.2f}; {summary.seconds:.1f}s.",
        err=True,
    )
    click.echo(f"Signals: {', '.join(summary.signals)}.", err=True)
    if summary.semantic_off_reason:
        click.echo(f"Semantic matching off: {summary.semantic_off_reason}", err=True)
    else:
        click.echo(
            f"Embeddings: {summary.embedded_texts:,} wishes embedded in "
            f"{summary.embedding_seconds:.1f}s (the rest from the cache).",
            err=True,
        )


@click.group("import")
def import_group() -> None:
    """Load accounts or wishes from CSV files (every row is checked; all rows or none)."""


def _report_import(run) -> None:  # noqa: ANN001 - a zero-argument callable returning the result
    """Run an import, printing its counts, or every bad row and exiting with status 2."""
    try:
        result = run()
    except ServiceError as exc:  # ImportFailed lists every bad row in its message
        db.session.rollback()
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    click.echo(
        f"Imported: {result.created} created, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )


@import_group.command("accounts")
@click.argument("csv_file", type=click.Path(dir_okay=False))
def import_accounts_command(csv_file: str) -> None:
    """Create or update accounts from CSV_FILE (name,domain,arr,tier,renewal_date,segments,
    external_id); matched by external id, else domain, else name."""
    _report_import(lambda: import_service.import_accounts(csv_file))


@import_group.command("wishes")
@click.argument("csv_file", type=click.Path(dir_okay=False))
@click.option(
    "--as",
    "as_email",
    help="Email of the member of staff recorded as entering the wishes (default: first admin).",
)
@click.option("--no-rebundle", is_flag=True, help="Skip the duplicate-finding pass afterwards.")
def import_wishes_command(csv_file: str, as_email: str | None, no_rebundle: bool) -> None:
    """Create wishes, each with a vote from its account, from CSV_FILE (title,body,account,email,
    importance,product_area,external_id,created_at)."""

    def run():  # noqa: ANN202 - ImportResult
        if as_email:
            staff = import_service.find_staff(as_email)
        else:
            staff = import_service.default_importer()
            if staff is None:
                raise ServiceError("There is no active admin to record the import under; use --as.")
        return import_service.import_wishes(csv_file, staff, rebundle=not no_rebundle)

    _report_import(run)


@click.group("notifications")
def notifications_group() -> None:
    """Deliver the queued notification emails."""


@notifications_group.command("send")
@click.option("--limit", type=click.IntRange(1), help="Try at most this many emails.")
def notifications_send(limit: int | None) -> None:
    """Send due emails from the queue; failures are retried later with growing delays."""
    from .services import notify

    try:
        # Looked up here, not bound as a default, so tests can swap in a fake server.
        summary = notify.send_queued(limit=limit, sender=notify.smtp_send)
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from None
    gave_up = f" ({summary.gave_up} given up after {notify.MAX_ATTEMPTS} attempts)"
    click.echo(
        f"Emails: {summary.sent} sent, {summary.failed} failed"
        f"{gave_up if summary.gave_up else ''}, {summary.remaining} remaining in the queue."
    )


@click.group("counters")
def counters_group() -> None:
    """Check the vote and comment counters kept on each wish."""


@counters_group.command("check")
@click.option("--fix", is_flag=True, help="Set every wrong counter from a recount.")
def counters_check(fix: bool) -> None:
    """Compare every wish's counters with a recount; exit status 1 if any differ."""
    from .services import counters

    found = counters.check()
    for m in found[:20]:
        click.echo(f"wish {m.wish_id}: {m.counter} is {m.stored}, a recount says {m.actual}")
    if not found:
        click.echo("Every wish's counters match a recount.")
        return
    if fix:
        changed = counters.recount_all()
        db.session.commit()
        click.echo(f"Recounted: {changed} wishes corrected.")
        return
    click.echo(f"{len(found)} counters differ (100 at most counted); --fix corrects them.")
    sys.exit(1)


@click.group("export")
def export_group() -> None:
    """Write data out for other tools (read-only: the database is never changed)."""


def _write_atomically(path: str, content: bytes) -> None:
    """Write a file whole or not at all: a temporary file beside it, then a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".export-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


@export_group.command("backlog")
@click.option(
    "--format", "fmt", type=click.Choice(export_service.FORMATS), default="csv", show_default=True
)
@click.option("--status", "statuses", multiple=True, help="Keep bundles with this status.")
@click.option("--theme", "themes", multiple=True, help="Keep bundles with this theme.")
@click.option("--min-score", help="Keep bundles scoring at least this (0-100).")
@click.option("--off-strategy", is_flag=True, help="Include off-strategy bundles (fit 0).")
@click.option("--sort", help="Sort by this column (default: rank).")
@click.option(
    "--base-url", help="Site address for bundle links (default: SERVER_NAME, else localhost)."
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of stdout."
)
def export_backlog_command(
    fmt: str,
    statuses: tuple[str, ...],
    themes: tuple[str, ...],
    min_score: str | None,
    off_strategy: bool,
    sort: str | None,
    base_url: str | None,
    output: str | None,
) -> None:
    """Export the ranked backlog as csv, xlsx, json, md (Markdown) or jira (Jira CSV)."""
    if fmt == "xlsx" and output is None:
        click.echo("Error: an xlsx file cannot go to the terminal; give -o FILE.", err=True)
        sys.exit(2)
    args: dict[str, list[str]] = {"status": list(statuses), "theme": list(themes)}
    if min_score is not None:
        args["min_score"] = [min_score]
    if off_strategy:
        args["off_strategy"] = ["1"]
    if sort:
        args["sort"] = [sort]
    try:
        backlog_filter = backlog_service.parse_backlog_filter(args)
        rows = backlog_service.backlog(backlog_filter, base_url=base_url)
        content, _, _ = export_service.export_backlog(rows, fmt, filters=backlog_filter)
    except ServiceError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    finally:
        # Nothing was meant to change; end the read transaction without writing anything.
        db.session.rollback()
    if output is None:
        click.echo(content, nl=False)  # bytes go to the binary stream as they are
        return
    try:
        _write_atomically(output, content)
    except OSError as exc:
        click.echo(f"Error: {exc.strerror or exc}: {output}", err=True)
        sys.exit(2)
    click.echo(f"Wrote {len(rows)} bundles to {output}.", err=True)


@click.group("jobs")
def jobs_group() -> None:
    """Run the background job worker (large imports, finding duplicates, sending emails)."""


@jobs_group.command("worker")
@click.option(
    "--workers", type=click.IntRange(1, 16), default=2, show_default=True, help="Jobs at once."
)
def jobs_worker(workers: int) -> None:
    """Run queued jobs until stopped (SIGTERM lets running jobs finish, Ctrl+C stops at once);
    every minute, also queue a job sending the emails that are due."""
    import logging

    from . import tasks  # noqa: F401 - registers the tasks with the queue
    from .extensions import huey

    if huey.immediate:
        raise click.ClickException(
            "WISHLIST_TASK_QUEUE=immediate runs jobs where they are queued; no worker is needed."
        )
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    click.echo(f"Job worker: {workers} at once, queue {type(huey.storage).__name__}.", err=True)
    # SIGTERM (a process manager, `make run` stopping) waits for running jobs: an import cut
    # off half-way would roll back, but its page would say "running" until it went stale.
    huey.create_consumer(workers=workers, worker_type="thread", graceful_signal="TERM").run()
