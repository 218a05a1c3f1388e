"""Forms of the notifications page."""

from flask_wtf import FlaskForm
from wtforms import HiddenField


class MarkReadForm(FlaskForm):
    """Mark notifications read, up to the newest one the page showed."""

    up_to = HiddenField()
