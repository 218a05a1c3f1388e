"""Showing money and scores on staff pages."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app


def money(value: Decimal | float | int | None) -> str:
    """An amount with the installation's currency: 'USD 120,000' or 'USD 120,000.50'."""
    if value is None:
        return "—"
    amount = Decimal(str(value))
    currency = current_app.config.get("CURRENCY", "USD")
    # Whole amounts are the common case (ARR); cents only when there are some.
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{currency} {text}"
