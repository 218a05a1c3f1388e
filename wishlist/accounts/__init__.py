"""Customer accounts for staff: ARR, tier, renewal, segments, and what each account asks for."""

from flask import Blueprint

from ..value.formatting import money

bp = Blueprint("accounts", __name__)
bp.add_app_template_filter(money, "money")

from . import views  # noqa: E402, F401 - routes register on bp
