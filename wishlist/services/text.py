"""Normalising and checking the text people type."""

from __future__ import annotations

import unicodedata

from .errors import ServiceError


def clean_text(value: str | None) -> str:
    """Return text with unicode normalised (NFC), control characters dropped, and ends trimmed."""
    if not value:
        return ""
    value = unicodedata.normalize("NFC", value)
    # Keep newlines and tabs; other control characters only break rendering and exports.
    value = "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return value.replace("\r\n", "\n").strip()


def require_text(value: str | None, field: str, max_length: int, min_length: int = 1) -> str:
    """Return cleaned text, or raise a ServiceError naming the field if empty or too long."""
    text = clean_text(value)
    if len(text) < min_length:
        if min_length == 1:
            raise ServiceError(f"{field} cannot be empty.")
        raise ServiceError(f"{field} must be at least {min_length} characters.")
    if len(text) > max_length:
        raise ServiceError(f"{field} must be at most {max_length} characters (it has {len(text)}).")
    return text


def optional_text(value: str | None, field: str, max_length: int) -> str:
    """Return cleaned text (possibly empty), or raise when it is too long."""
    text = clean_text(value)
    if len(text) > max_length:
        raise ServiceError(f"{field} must be at most {max_length} characters (it has {len(text)}).")
    return text
