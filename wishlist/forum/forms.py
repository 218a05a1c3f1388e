"""Forms of the forum."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..models import BODY_MAX, COMMENT_MAX, TITLE_MAX, Importance, WishStatus
from ..services.status import CONFIRM_REOPEN

IMPORTANCE_CHOICES = [SelectChoice(i.value, i.label) for i in Importance]


class WishForm(FlaskForm):
    """Title, description and product area of a wish, with the author's own importance."""

    title = StringField(
        "Title",
        validators=[DataRequired(message="Give your wish a title."), Length(min=3, max=TITLE_MAX)],
        description="One line that says what you need, e.g. 'Export invoices to CSV'.",
    )
    body = TextAreaField(
        "Description",
        validators=[Optional(), Length(max=BODY_MAX)],
        description="Why you need it and how you work around it today.",
    )
    product_area = SelectField("Product area", coerce=int, validators=[Optional()])
    importance = RadioField(
        "How important is it to you?", choices=IMPORTANCE_CHOICES, default="important"
    )


class StaffWishForm(WishForm):
    """Staff may file the wish for a customer account and one of its contacts."""

    account = SelectField(
        "For customer account",
        coerce=int,
        validators=[Optional()],
        description="Leave on 'Myself' to submit as yourself.",
    )
    contact_email = StringField(
        "Contact at that account (optional)",
        validators=[Optional(), Length(max=255)],
        description="The customer's email; without one the wish counts for the account.",
    )


class VoteForForm(FlaskForm):
    """Staff record a vote for a customer account (and contact)."""

    # Typed, not chosen from a list: a list of 2,000 accounts was most of the wish page.
    account = StringField(
        "Customer account",
        validators=[DataRequired(), Length(max=200)],
        description="Its name, email domain or CRM id.",
    )
    contact_email = StringField(
        "Contact email (optional)", validators=[Optional(), Length(max=255)]
    )
    importance = RadioField("Importance", choices=IMPORTANCE_CHOICES, default="important")


class EditWishForm(WishForm):
    """Editing keeps the vote as it is, so it does not ask for importance."""

    importance = None


class VoteForm(FlaskForm):
    """A vote with its importance."""

    importance = RadioField("Importance", choices=IMPORTANCE_CHOICES, default="important")


class CommentForm(FlaskForm):
    """A comment; staff can keep it internal."""

    body = TextAreaField(
        "Comment",
        validators=[DataRequired(message="Write something first."), Length(max=COMMENT_MAX)],
    )
    internal = BooleanField("Internal note (staff only, never shown to customers)")


class StatusForm(FlaskForm):
    """A status change with a public reason; moving shipped work back needs the box ticked."""

    status = SelectField("Status", choices=[SelectChoice(s.value, s.label) for s in WishStatus])
    reason = TextAreaField(
        "Public note to customers",
        validators=[Optional(), Length(max=2000)],
        description="Required when declining.",
    )
    confirm_reopen = BooleanField(
        CONFIRM_REOPEN, description="Needed to move shipped work back to another status."
    )


class ActionForm(FlaskForm):
    """An empty form: carries the CSRF token of one-click actions."""
