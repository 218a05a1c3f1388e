"""Forms of the review queue."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..models import TITLE_MAX


class ActionForm(FlaskForm):
    """An empty form: carries the CSRF token of one-click decisions."""


class BundleEditForm(FlaskForm):
    """A bundle's title and description."""

    title = StringField("Title", validators=[DataRequired(), Length(min=3, max=TITLE_MAX)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=10_000)])


class BundleRefForm(FlaskForm):
    """Another bundle, by number (for merging or moving)."""

    bundle_id = IntegerField(
        "Bundle number", validators=[DataRequired(message="Give a bundle number."), NumberRange(1)]
    )


class MoveForm(FlaskForm):
    """Where to move a wish: a bundle number, or empty for a new bundle of its own."""

    bundle_id = IntegerField("Bundle number", validators=[Optional(), NumberRange(1)])
