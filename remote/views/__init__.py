"""Remote assistance pages. Views parse the request, check ``permissions``, call
one service and render; what a user may not see is a 404."""

from .authorise import authorise
from .customer import (
    session_answer,
    session_close,
    session_new_code,
    session_page,
    session_pdf,
    session_status,
)
from .desk import desk, desk_close, desk_request, desk_session, desk_status
from .history import (
    authorisation_detail,
    authorisation_pdf,
    authorisation_revoke,
    history,
)

__all__ = [
    "authorisation_detail",
    "authorisation_pdf",
    "authorisation_revoke",
    "authorise",
    "desk",
    "desk_close",
    "desk_request",
    "desk_session",
    "desk_status",
    "history",
    "session_answer",
    "session_close",
    "session_new_code",
    "session_page",
    "session_pdf",
    "session_status",
]
