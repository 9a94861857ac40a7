"""Every lifecycle in one place: documents, disagreements and retention, their states and the moves allowed.

A model changes state only through its transition methods, which ask `Lifecycle.check`; anything a
table does not list is refused with IllegalMove, and the web answers 409 with its message.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Generic, TypeVar


class IllegalMove(Exception):
    """A move a lifecycle does not allow; the message says, in plain words, what and why."""

    def __init__(self, action: str, state: enum.Enum, message: str, target: enum.Enum | None = None):
        self.action, self.state, self.target = action, state, target
        super().__init__(message)


S = TypeVar("S", bound=enum.Enum)


@dataclasses.dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """A table of allowed moves: for each action, from which state to which."""

    moves: Mapping[str, Mapping[S, frozenset[S]]]
    # "You cannot {words[action]} because it is {state label}."
    words: Mapping[str, str]

    def allowed_actions(self, state: S) -> set[str]:
        """The actions that may be taken from this state."""
        return {action for action, moves in self.moves.items() if state in moves}

    def allows(self, action: str, state: S, target: S) -> bool:
        return target in self.moves.get(action, {}).get(state, frozenset())

    def check(self, action: str, state: S, target: S | None = None) -> None:
        """Raise IllegalMove unless `action` may take something from `state` (to `target`, if given)."""
        targets = self.moves.get(action, {}).get(state, frozenset())
        if (target is None and not targets) or (target is not None and target not in targets):
            raise IllegalMove(action, state, self.refusal(action, state), target)

    def refusal(self, action: str, state: S) -> str:
        return f"You cannot {self.words.get(action, action)} because it is {state.label.lower()}."


# --- documents -----------------------------------------------------------------------------------


class DocumentState(enum.StrEnum):
    DRAFT = "draft"
    OUT_FOR_SIGNATURE = "out_for_signature"
    SIGNED_BY_ONE = "signed_by_one"
    LOCKED = "locked"
    DECLINED = "declined"
    VOIDED = "voided"
    # A draft nobody was ever sent, discarded by its writer: kept, so its history stays whole, but listed nowhere.
    DELETED = "deleted"

    @property
    def label(self) -> str:
        return _DOCUMENT_LABELS[self]

    @property
    def is_open_for_signature(self) -> bool:
        return self in (DocumentState.OUT_FOR_SIGNATURE, DocumentState.SIGNED_BY_ONE)


_DOCUMENT_LABELS = {
    DocumentState.DRAFT: "Draft",
    DocumentState.OUT_FOR_SIGNATURE: "Out for signature",
    DocumentState.SIGNED_BY_ONE: "Signed by one",
    DocumentState.LOCKED: "Signed and locked",
    DocumentState.DECLINED: "Declined",
    DocumentState.VOIDED: "Voided",
    DocumentState.DELETED: "Deleted before it was sent",
}

_D = DocumentState
DOCUMENT = Lifecycle[DocumentState](
    moves={
        "edit": {_D.DRAFT: frozenset({_D.DRAFT})},
        "send": {_D.DRAFT: frozenset({_D.OUT_FOR_SIGNATURE})},
        "sign": {_D.OUT_FOR_SIGNATURE: frozenset({_D.SIGNED_BY_ONE}), _D.SIGNED_BY_ONE: frozenset({_D.LOCKED})},
        "decline": {_D.OUT_FOR_SIGNATURE: frozenset({_D.DECLINED}), _D.SIGNED_BY_ONE: frozenset({_D.DECLINED})},
        # A group record: each attendee's answer (signed, or did not attend), the last one locking it.
        "answer": {_D.OUT_FOR_SIGNATURE: frozenset({_D.SIGNED_BY_ONE, _D.LOCKED}),
                   _D.SIGNED_BY_ONE: frozenset({_D.SIGNED_BY_ONE, _D.LOCKED})},
        "void": {state: frozenset({_D.VOIDED}) for state in (_D.DRAFT, _D.OUT_FOR_SIGNATURE, _D.SIGNED_BY_ONE,
                                                             _D.DECLINED)},
        "amend": {_D.DECLINED: frozenset({_D.DRAFT})},
        "delete": {_D.DRAFT: frozenset({_D.DELETED})},
        "resend": {_D.OUT_FOR_SIGNATURE: frozenset({_D.OUT_FOR_SIGNATURE}),
                   _D.SIGNED_BY_ONE: frozenset({_D.SIGNED_BY_ONE})},
    },
    words={
        "edit": "edit this document",
        "send": "send for signature this document",
        "sign": "sign this document",
        "decline": "decline this document",
        "answer": "sign or record an absence on this group record",
        "void": "void this document",
        "delete": "delete this draft",
        "amend": "amend this document",
        "resend": "re-send a signing link for this document",
    },
)


# --- disagreements -------------------------------------------------------------------------------


class DisagreementState(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    MEDIATED = "mediated"

    @property
    def label(self) -> str:
        return _DISAGREEMENT_LABELS[self]

    @property
    def is_closed(self) -> bool:
        return self in (DisagreementState.RESOLVED, DisagreementState.MEDIATED)


_DISAGREEMENT_LABELS = {
    DisagreementState.OPEN: "Open",
    DisagreementState.RESOLVED: "Resolved between you",
    DisagreementState.ESCALATED: "Escalated for mediation",
    DisagreementState.MEDIATED: "Mediated",
}

_G = DisagreementState
DISAGREEMENT = Lifecycle[DisagreementState](
    moves={
        # Settled between the two of them, even after escalation (the mediator's link then stops working).
        "resolve": {_G.OPEN: frozenset({_G.RESOLVED}), _G.ESCALATED: frozenset({_G.RESOLVED})},
        "escalate": {_G.OPEN: frozenset({_G.ESCALATED})},
        # An admin names (or replaces) the mediator of an escalated disagreement.
        "name_mediator": {_G.ESCALATED: frozenset({_G.ESCALATED})},
        "mediate": {_G.ESCALATED: frozenset({_G.MEDIATED})},
    },
    words={
        "resolve": "record that this disagreement was resolved",
        "escalate": "escalate this disagreement",
        "name_mediator": "name a mediator for this disagreement",
        "mediate": "record a mediation outcome for this disagreement",
    },
)


# --- retention -----------------------------------------------------------------------------------


class RetentionState(enum.StrEnum):
    """Where a document stands under the seven-year rule (H 9.4, B 9.4)."""

    KEPT = "kept"
    IN_REVIEW = "in_review"
    ARCHIVED = "archived"
    DESTROYED = "destroyed"

    @property
    def label(self) -> str:
        return _RETENTION_LABELS[self]

    @property
    def is_past_retention(self) -> bool:
        """Archived, or destroyed leaving only metadata: HR's alone from then on."""
        return self in (RetentionState.ARCHIVED, RetentionState.DESTROYED)


_RETENTION_LABELS = {
    RetentionState.KEPT: "Kept",
    RetentionState.IN_REVIEW: "Waiting for HR's disposition review",
    RetentionState.ARCHIVED: "Archived",
    RetentionState.DESTROYED: "Destroyed",
}

_R = RetentionState
RETENTION = Lifecycle[RetentionState](
    moves={
        # The daily sweep: past its retention date and not held.
        "review": {_R.KEPT: frozenset({_R.IN_REVIEW})},
        # A legal hold, or a retention date moved into the future, takes it out of review.
        "withdraw": {_R.IN_REVIEW: frozenset({_R.KEPT})},
        "extend": {_R.IN_REVIEW: frozenset({_R.KEPT})},
        "archive": {_R.IN_REVIEW: frozenset({_R.ARCHIVED})},
        "destroy": {_R.IN_REVIEW: frozenset({_R.DESTROYED})},
    },
    words={
        "review": "put this record into disposition review",
        "withdraw": "take this record out of disposition review",
        "extend": "keep this record longer",
        "archive": "archive this record",
        "destroy": "destroy this record",
    },
)
