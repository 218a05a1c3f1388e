"""Errors that services raise for people to read."""


class ServiceError(ValueError):
    """A request that cannot be carried out; the message is shown to the person as it is."""


class NotFound(ServiceError):
    """The thing asked for does not exist, or the person may not know that it does."""


class Forbidden(ServiceError):
    """The person is signed in but their role does not allow this."""
