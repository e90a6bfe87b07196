"""Domain logic for cases: submitting, numbering, assigning, messages, status
changes and edits. Each public function is one transaction; views call one of
them and render."""

from .form import (
    CHECK_LOG,
    CaseFormOutcome,
    LogToCheck,
    prepare_case_form,
    submit_case_form,
)
from .session import (
    case_form_prefill,
    clear_case_form_prefill,
    forget_upload_token,
    hand_over_to_case_form,
    owns_upload_token,
    remember_upload_token,
)
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
    "CHECK_LOG",
    "CaseFormOutcome",
    "LogToCheck",
    "prepare_case_form",
    "submit_case_form",
    "case_form_prefill",
    "clear_case_form_prefill",
    "forget_upload_token",
    "hand_over_to_case_form",
    "owns_upload_token",
    "remember_upload_token",
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
