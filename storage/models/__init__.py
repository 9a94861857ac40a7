"""The typed database models, one module per concern; everything is importable from here."""

from storage.models.base import Base, UTCDateTime, as_utc, utcnow
from storage.models.copies import CopyLink, SigningCode
from storage.models.disagreements import (
    AnnotatedCopy,
    Annotation,
    AnnotationChangeRefused,
    AnnotationKind,
    Disagreement,
    MediationLink,
)
from storage.models.documents import (
    Document,
    DocumentFile,
    FileKind,
    LockedDocumentError,
    Party,
    RecordDraft,
    Signature,
    SigningLink,
    TemplateVersion,
    TokenisedLink,
    reference_of,
)
from storage.models.evidence import DocumentEvidence
from storage.models.groups import GROUP_RECORD, GroupAnswer, GroupAttendee, GroupKind, GroupSession
from storage.models.identity import PasswordLink, RecoveryCode
from storage.models.log import AuditEvent, AuditHead
from storage.models.people import LoginSession, Organisation, Role, Staff, StaffRole, SupervisionRelationship
from storage.models.queue import Job, OutboxMessage, QueuedWork
from storage.models.reflections import Reflection
from storage.models.retention import (
    DisposalRecord,
    DispositionReview,
    LegalHold,
    RecordsKept,
    RetentionPolicy,
    ScheduledRun,
)
from storage.models.supervision import (
    AgendaItem,
    CancelledSession,
    CoverArrangement,
    PolicyChange,
    PostponedSession,
    ProfessionalSupervision,
    QualityActivity,
    ReminderSent,
)
from storage.states import DisagreementState, DocumentState, IllegalMove, RetentionState

__all__ = [
    "Reflection",
    "AgendaItem", "AnnotatedCopy", "Annotation", "CancelledSession", "CopyLink", "CoverArrangement", "AnnotationChangeRefused", "AnnotationKind", "AuditEvent", "AuditHead", "Base",
    "DisagreementState", "Disagreement", "DisposalRecord", "DispositionReview", "Document", "DocumentEvidence", "DocumentFile",
    "DocumentState", "FileKind", "IllegalMove", "Job", "LegalHold", "LockedDocumentError", "LoginSession",
    "MediationLink", "Organisation", "OutboxMessage", "Party", "PasswordLink", "PolicyChange", "RecoveryCode", "PostponedSession", "ProfessionalSupervision", "QualityActivity", "QueuedWork",
    "RecordDraft", "RecordsKept", "ReminderSent", "RetentionPolicy", "RetentionState", "Role", "ScheduledRun",
    "Signature", "SigningCode", "SigningLink", "Staff", "StaffRole", "SupervisionRelationship", "TemplateVersion", "TokenisedLink",
    "UTCDateTime", "as_utc", "reference_of", "utcnow",
    "GROUP_RECORD", "GroupAnswer", "GroupAttendee", "GroupKind", "GroupSession",
]
