"""Values a worker works out once and reuses for a few seconds (the same for every visitor)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")


def kept(key: str, seconds: float, compute: Callable[[], T]) -> T:
    """The value this worker kept under ``key`` if younger than ``seconds``, else a fresh one.

    Kept per app in ``app.extensions``, so each worker (and each test's app) has its own;
    ``seconds`` of 0 or less computes every time and keeps nothing.
    """
    if seconds <= 0:
        return compute()
    cached = current_app.extensions.get(key)
    if cached is not None and time.monotonic() - cached[0] < seconds:
        return cached[1]
    value = compute()
    current_app.extensions[key] = (time.monotonic(), value)
    return value
