"""The document lifecycle: every state a document can be in and every move allowed between them."""

from __future__ import annotations

import enum


class DocumentState(enum.StrEnum):
    DRAFT = "draft"
    OUT_FOR_SIGNATURE = "out_for_signature"
    SIGNED_BY_ONE = "signed_by_one"
    LOCKED = "locked"
    DECLINED = "declined"
    VOIDED = "voided"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def is_open_for_signature(self) -> bool:
        return self in (DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE)


LABELS = {
    DocumentState.DRAFT: "Draft",
    DocumentState.OUT_FOR_SIGNATURE: "Out for signature",
    DocumentState.SIGNED_BY_ONE: "Signed by one",
    DocumentState.LOCKED: "Signed and locked",
    DocumentState.DECLINED: "Declined",
    DocumentState.VOIDED: "Voided",
}

# The one table of allowed moves. Anything not listed here is refused.
TRANSITIONS: dict[str, dict[DocumentState, frozenset[DocumentState]]] = {
    "edit": {DocumentState.DRAFT: frozenset({DocumentState.DRAFT})},
    "send": {DocumentState.DRAFT: frozenset({DocumentState.OUT_FOR_SIGNATURE})},
    "sign": {
        DocumentState.OUT_FOR_SIGNATURE: frozenset({DocumentState.SIGNED_BY_ONE}),
        DocumentState.SIGNED_BY_ONE: frozenset({DocumentState.LOCKED}),
    },
    "decline": {
        DocumentState.OUT_FOR_SIGNATURE: frozenset({DocumentState.DECLINED}),
        DocumentState.SIGNED_BY_ONE: frozenset({DocumentState.DECLINED}),
    },
    "void": {
        DocumentState.DRAFT: frozenset({DocumentState.VOIDED}),
        DocumentState.OUT_FOR_SIGNATURE: frozenset({DocumentState.VOIDED}),
        DocumentState.SIGNED_BY_ONE: frozenset({DocumentState.VOIDED}),
        DocumentState.DECLINED: frozenset({DocumentState.VOIDED}),
    },
    "amend": {DocumentState.DECLINED: frozenset({DocumentState.DRAFT})},
    "resend": {
        DocumentState.OUT_FOR_SIGNATURE: frozenset({DocumentState.OUT_FOR_SIGNATURE}),
        DocumentState.SIGNED_BY_ONE: frozenset({DocumentState.SIGNED_BY_ONE}),
    },
}

ACTION_WORDS = {
    "edit": "edit",
    "send": "send for signature",
    "sign": "sign",
    "decline": "decline",
    "void": "void",
    "amend": "amend",
    "resend": "re-send a signing link for",
}


class IllegalMove(Exception):
    """A move the lifecycle does not allow; the web answers 409 with this message."""

    def __init__(self, action: str, state: DocumentState, target: DocumentState | None = None):
        self.action, self.state, self.target = action, state, target
        super().__init__(
            f"You cannot {ACTION_WORDS.get(action, action)} this document because it is "
            f"{state.label.lower()}."
        )


def allowed_actions(state: DocumentState) -> set[str]:
    """The actions that may be taken on a document in this state."""
    return {action for action, moves in TRANSITIONS.items() if state in moves}


def check_move(action: str, state: DocumentState, target: DocumentState) -> None:
    """Raise IllegalMove unless `action` may take a document from `state` to `target`."""
    if target not in TRANSITIONS.get(action, {}).get(state, frozenset()):
        raise IllegalMove(action, state, target)
