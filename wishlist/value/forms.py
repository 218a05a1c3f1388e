"""Forms of the value pages: scoring weights, flags, screening and strategic themes."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..models import FlagKind

FIT_CHOICES = [
    SelectChoice("", "Not screened"),
    SelectChoice("0", "0 · off strategy"),
    *(SelectChoice(str(n), f"{n} of 5") for n in range(1, 6)),
]
FLAG_CHOICES = [SelectChoice(k.value, k.label) for k in FlagKind]


class ActionForm(FlaskForm):
    """An empty form: carries the CSRF token of one-click actions."""


class WeightsForm(FlaskForm):
    """Component and importance weights; the service parses and validates the numbers.

    Plain text fields so that a typo reaches `parse_config`, which names the field in its
    message, instead of being dropped silently by a number field.
    """

    weight_customers = StringField("Customers", validators=[Optional(), Length(max=30)])
    weight_revenue = StringField("Revenue", validators=[Optional(), Length(max=30)])
    weight_fit = StringField("Strategic fit", validators=[Optional(), Length(max=30)])
    weight_reach = StringField("Reach", validators=[Optional(), Length(max=30)])
    importance_nice = StringField("Nice to have", validators=[Optional(), Length(max=30)])
    importance_important = StringField("Important", validators=[Optional(), Length(max=30)])
    importance_critical = StringField("Critical", validators=[Optional(), Length(max=30)])


class FlagForm(FlaskForm):
    """Customer success's flag: this account may churn, or not buy, without the bundle."""

    account = SelectField("Account", coerce=int, validators=[DataRequired("Choose an account.")])
    kind = SelectField("Kind", choices=FLAG_CHOICES)
    amount = StringField(
        "Amount at risk",
        validators=[Optional(), Length(max=30)],
        description="Leave empty for the account's full ARR.",
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=2_000)])


class ScreenForm(FlaskForm):
    """Product management's screening: strategic fit 0-5 and a theme."""

    fit = SelectField("Strategic fit", choices=FIT_CHOICES, validators=[Optional()])
    theme = SelectField("Theme", validators=[Optional()])


class ThemeForm(FlaskForm):
    """A strategic theme."""

    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=5_000)])
    active = BooleanField("Active (bundles can be screened against it)", default=True)
