"""The customer area (my company's cases, the new case form, the case page) and
the partner desk. Views parse the request, check ``permissions``, call one
service and render; a case or file the user may not see is a 404."""

from .case import (
    attachment_download,
    case_assign,
    case_detail,
    case_edit,
    case_reply,
    case_status,
)
from .customer import case_list, case_new
from .desk import partner_queue

__all__ = [
    "attachment_download",
    "case_assign",
    "case_detail",
    "case_edit",
    "case_list",
    "case_new",
    "case_reply",
    "case_status",
    "partner_queue",
]
