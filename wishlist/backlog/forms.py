"""Forms of the backlog page: its filters, and a bundle's status change."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import WishStatus
from ..services.status import CONFIRM_REOPEN

STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in WishStatus]


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes: each ticked box is one repeated query value."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class FilterForm(FlaskForm):
    """Which bundles the backlog shows; the backlog service parses and checks the values.

    A GET form without a CSRF token: it changes nothing, and its values are the page's
    address, which product managers share. The form only shows the filter in force.
    """

    class Meta:
        csrf = False

    q = SearchField("Search", validators=[Optional(), Length(max=200)])
    status = CheckboxesField("Status", choices=STATUS_CHOICES)
    theme = CheckboxesField("Theme")
    area = CheckboxesField("Product area")
    tier = CheckboxesField("Account tier")
    segment = CheckboxesField("Segment")
    min_score = StringField("Minimum score", validators=[Optional(), Length(max=10)])
    off_strategy = BooleanField("Include off-strategy bundles")


class BundleStatusForm(FlaskForm):
    """A bundle's new status; its wishes follow it. Declining needs a reason, reopening a tick."""

    status = SelectField("Status", choices=STATUS_CHOICES)
    reason = TextAreaField(
        "Reason (shown to the customers who asked)",
        validators=[Optional(), Length(max=2_000)],
        description="Required when declining.",
    )
    confirm_reopen = BooleanField(
        CONFIRM_REOPEN, description="Needed to move shipped work back to another status."
    )
