"""The one exception account and company services raise for a refusal a person should read."""
from __future__ import annotations


class AccountError(ValueError):
    """A refused change: `message` is shown as is, next to `field` when the form has one by that name."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class DeletedAccountEmail(AccountError):
    """The email belongs to a deleted account of this company: restoring it is the way back."""

    def __init__(self, message: str, user):
        super().__init__(message, field="email")
        self.user = user
