"""What a use case can refuse with, in one place; the web turns each into the page a person should see."""

from __future__ import annotations

from signing.tokens import LinkRefused
from storage.states import IllegalMove

__all__ = ["IllegalMove", "InvalidInput", "LinkRefused", "NotAllowed", "NotReady"]


class InvalidInput(Exception):
    """The form has mistakes; `errors` maps each field to a message saying what to do."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


class NotReady(Exception):
    """The action has to wait (for example for the PDF); the message says what is happening."""


class NotAllowed(Exception):
    """The person may not do this, or the thing does not exist: the web answers 404 either way."""
