"""Forms of the administration pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..models import Role

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class UserCreateForm(FlaskForm):
    """A new user; without a password they receive an invitation link."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="customer")
    account = SelectField("Account", coerce=int, validators=[Optional()])
    password = PasswordField(
        "Password (leave empty to send an invitation)", validators=[Optional(), Length(max=200)]
    )


class UserEditForm(FlaskForm):
    """Role, account and whether the user may sign in."""

    role = SelectField("Role", choices=ROLE_CHOICES)
    account = SelectField("Account", coerce=int, validators=[Optional()])
    active = BooleanField("May sign in")


class AccountForm(FlaskForm):
    """A customer company."""

    name = StringField("Company name", validators=[DataRequired(), Length(max=200)])
    email_domain = StringField(
        "Email domain",
        validators=[Optional(), Length(max=255)],
        description="People who sign up with this domain join this account, e.g. example.com.",
    )


class AreaForm(FlaskForm):
    """A product area."""

    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    description = StringField("Description", validators=[Optional(), Length(max=300)])
    archived = BooleanField("Archived (no new wishes)")


class ImportForm(FlaskForm):
    """A CSV file of accounts or wishes to import (all rows or none)."""

    kind = SelectField(
        "What the file holds",
        choices=[SelectChoice("accounts", "Accounts"), SelectChoice("wishes", "Wishes")],
        default="accounts",
    )
    file = FileField(
        "CSV file (UTF-8)",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv"], "Choose a .csv file."),
        ],
    )
