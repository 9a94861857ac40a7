"""A disagreement's lifecycle: its states and the one table of moves allowed between them."""

from __future__ import annotations

import enum

from workflows.lifecycle import IllegalMove


class DisagreementState(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    MEDIATED = "mediated"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def is_closed(self) -> bool:
        return self in (DisagreementState.RESOLVED, DisagreementState.MEDIATED)


LABELS = {
    DisagreementState.OPEN: "Open",
    DisagreementState.RESOLVED: "Resolved between you",
    DisagreementState.ESCALATED: "Escalated for mediation",
    DisagreementState.MEDIATED: "Mediated",
}

# The one table of allowed moves. Anything not listed here is refused.
TRANSITIONS: dict[str, dict[DisagreementState, frozenset[DisagreementState]]] = {
    # Settled between the two of them, even after escalation (the mediator's link then stops working).
    "resolve": {
        DisagreementState.OPEN: frozenset({DisagreementState.RESOLVED}),
        DisagreementState.ESCALATED: frozenset({DisagreementState.RESOLVED}),
    },
    "escalate": {DisagreementState.OPEN: frozenset({DisagreementState.ESCALATED})},
    # An admin names (or replaces) the mediator of an escalated disagreement.
    "name_mediator": {DisagreementState.ESCALATED: frozenset({DisagreementState.ESCALATED})},
    "mediate": {DisagreementState.ESCALATED: frozenset({DisagreementState.MEDIATED})},
}

ACTION_WORDS = {
    "resolve": "record that this disagreement was resolved",
    "escalate": "escalate this disagreement",
    "name_mediator": "name a mediator for this disagreement",
    "mediate": "record a mediation outcome for this disagreement",
}


class IllegalDisagreementMove(IllegalMove):
    """A move the disagreement lifecycle does not allow; the web answers 409 like any illegal move."""

    def __init__(self, action: str, state: DisagreementState, target: DisagreementState | None = None):
        self.action, self.state, self.target = action, state, target
        Exception.__init__(self, f"You cannot {ACTION_WORDS.get(action, action)} because it is {state.label.lower()}.")


def allowed_actions(state: DisagreementState) -> set[str]:
    """The actions that may be taken on a disagreement in this state."""
    return {action for action, moves in TRANSITIONS.items() if state in moves}


def check_move(action: str, state: DisagreementState, target: DisagreementState) -> None:
    """Raise IllegalDisagreementMove unless `action` may take a disagreement from `state` to `target`."""
    if target not in TRANSITIONS.get(action, {}).get(state, frozenset()):
        raise IllegalDisagreementMove(action, state, target)
