"""Forms for signing in, signing up and accepting an invitation."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..services.users import PASSWORD_MIN


class LoginForm(FlaskForm):
    """Email and password."""

    email = EmailField("Email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in")


class SignupForm(FlaskForm):
    """A customer registering with their work email."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("Work email", validators=[DataRequired(), Length(max=255)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200)]
    )
    confirm = PasswordField(
        "Repeat password", validators=[EqualTo("password", message="Passwords do not match.")]
    )


class InviteForm(FlaskForm):
    """An invited user choosing their name and password."""

    name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200)]
    )
    confirm = PasswordField(
        "Repeat password", validators=[EqualTo("password", message="Passwords do not match.")]
    )


class ResendForm(FlaskForm):
    """An address to send a fresh sign-up verification link to."""

    email = EmailField("Work email", validators=[DataRequired(), Length(max=255)])


class PasswordForm(FlaskForm):
    """A signed-in user choosing a new password."""

    current = PasswordField("Current password", validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200)]
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[EqualTo("password", message="Passwords do not match.")],
    )
