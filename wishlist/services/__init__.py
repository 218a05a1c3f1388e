"""Services: the only code that touches both the database session and the business rules.

Views and CLI commands parse input, call one service, and render the result. Services raise
`ServiceError` (a clear message for the person) and leave the session rolled back on failure.
"""

from .errors import Forbidden, NotFound, ServiceError

__all__ = ["Forbidden", "NotFound", "ServiceError"]
