"""Cases (assistance requests), their messages, attachments and history, plus the
tables staff edit to steer them: routing rules, SLA hours and API tokens."""

from .case import (
    ALLOWED_TRANSITIONS,
    CLOSED_STATUS,
    EDITABLE_STATUSES,
    OPEN_STATUSES,
    SLA_STATUSES,
    Case,
    CaseCounter,
    CaseQuerySet,
    Source,
    Status,
    Urgency,
)
from .routing import ApiToken, ApiTokenQuerySet, RoutingRule, SlaPolicy
from .thread import (
    AssignmentReason,
    AttachmentKind,
    CaseAttachment,
    CaseEvent,
    CaseMessage,
    EventKind,
    PendingUpload,
    Role,
    StoredFileMixin,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CLOSED_STATUS",
    "EDITABLE_STATUSES",
    "OPEN_STATUSES",
    "SLA_STATUSES",
    "ApiToken",
    "ApiTokenQuerySet",
    "AssignmentReason",
    "AttachmentKind",
    "Case",
    "CaseAttachment",
    "CaseCounter",
    "CaseEvent",
    "CaseMessage",
    "CaseQuerySet",
    "EventKind",
    "PendingUpload",
    "Role",
    "RoutingRule",
    "SlaPolicy",
    "Source",
    "Status",
    "StoredFileMixin",
    "Urgency",
]
