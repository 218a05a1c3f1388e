"""`flask` sub-commands: demo data and user administration."""

from __future__ import annotations

import click
from flask import Flask

from .extensions import db
from .models import Role
from .services import ServiceError
from .services import demo as demo_service
from .services import users as user_service


def register(app: Flask) -> None:
    """Attach the commands to the app."""
    app.cli.add_command(demo_command)
    app.cli.add_command(users_group)


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete all data first, then load the demo.")
@click.option("--if-empty", is_flag=True, help="Load only when the database has no users.")
def demo_command(reset: bool, if_empty: bool) -> None:
    """Load realistic demo data (accounts, users, wishes, votes, comments, history)."""
    if if_empty and not demo_service.database_is_empty():
        click.echo("The database already has data; demo data not loaded.")
        return
    if not reset and not demo_service.database_is_empty():
        raise click.ClickException(
            "The database already has data. Use --reset to replace it with the demo."
        )
    summary = demo_service.load_demo(reset=reset)
    click.echo(
        "Demo data loaded: " + ", ".join(f"{count} {name}" for name, count in summary.items()) + "."
    )
    click.echo(demo_service.LOGINS_HELP)


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
