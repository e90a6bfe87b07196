"""Domain logic for cases: submitting, numbering, assigning, messages, status
changes and edits. Each public function is one transaction; views call one of
them and render."""

from .submission import (
    CaseDraft,
    IncomingFile,
    allocate_case_number,
    compute_due_at,
    discard_pending_uploads,
    display_name,
    keep_pending_uploads,
    pending_uploads_for,
    purge_stale_pending_uploads,
    submit_case,
)
from .workflow import (
    EDITABLE_FIELDS,
    CaseNotEditable,
    TransitionNotAllowed,
    add_case_message,
    assign_case,
    role_of,
    transition_case,
    update_case,
)

__all__ = [
    "EDITABLE_FIELDS",
    "CaseDraft",
    "CaseNotEditable",
    "IncomingFile",
    "TransitionNotAllowed",
    "add_case_message",
    "allocate_case_number",
    "assign_case",
    "compute_due_at",
    "discard_pending_uploads",
    "display_name",
    "keep_pending_uploads",
    "pending_uploads_for",
    "purge_stale_pending_uploads",
    "role_of",
    "submit_case",
    "transition_case",
    "update_case",
]
