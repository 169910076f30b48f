"""Domain services: each public function is one unit of work and owns its transaction."""


class DomainError(Exception):
    """A rule of the domain was broken; views turn it into a message for the user."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """The change clashes with what is stored (a duplicate, an illegal transition)."""
