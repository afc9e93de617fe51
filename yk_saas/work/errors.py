"""The error of work a person can put right."""

from yk_saas.errors import UserError


class WorkError(UserError):
    """Something the user asked for that cannot be done; the message says why."""
