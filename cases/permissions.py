"""Who may do what with a case. Views, templates and querysets
(``Case.objects.visible_to``) all use these rules:

- a customer's users see their company's cases, and only those;
- a partner's users see the cases assigned to their partner, and only those;
- staff with the ``cases.view_case`` permission (superusers) see every case.

Anyone else gets a 404 for a case or attachment, as if it did not exist.
"""

from .models import CLOSED_STATUS, OPEN_STATUSES, Case, CaseAttachment, Status


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_case_staff(user) -> bool:
    return _active(user) and user.has_perm("cases.view_case")


def is_case_customer(user, case: Case) -> bool:
    return (
        _active(user)
        and user.customer_id is not None
        and (user.customer_id == case.customer_id)
    )


def is_case_partner(user, case: Case) -> bool:
    return (
        _active(user)
        and user.partner_id is not None
        and (user.partner_id == case.assigned_partner_id)
    )


def can_open_cases(user) -> bool:
    """Customers' users submit cases (for their own company)."""
    return _active(user) and user.customer_id is not None and user.customer.is_active


def can_view_case(user, case: Case) -> bool:
    return (
        is_case_customer(user, case)
        or is_case_partner(user, case)
        or is_case_staff(user)
    )


def can_see_internal(user, case: Case) -> bool:
    """Internal notes are for the partner handling the case and staff."""
    return is_case_partner(user, case) or is_case_staff(user)


def can_work_case(user, case: Case) -> bool:
    """The partner desk's powers: reply, internal notes, status, reassignment."""
    return can_see_internal(user, case)


def can_add_message(user, case: Case) -> bool:
    if can_work_case(user, case):
        return case.status != CLOSED_STATUS
    return is_case_customer(user, case) and case.status in OPEN_STATUSES


def can_edit_case(user, case: Case) -> bool:
    """Customers may correct a case until someone starts working on it."""
    return is_case_customer(user, case) and case.is_editable


def allowed_statuses(user, case: Case) -> list[str]:
    """The statuses ``user`` may move ``case`` to (within ALLOWED_TRANSITIONS)."""
    from .models import ALLOWED_TRANSITIONS

    possible = ALLOWED_TRANSITIONS[case.status]
    if can_work_case(user, case):
        return [status for status in Status.values if status in possible]
    if is_case_customer(user, case):
        mine = set()
        if Status.CLOSED in possible:
            mine.add(Status.CLOSED)
        if case.status == Status.RESOLVED:
            mine.add(Status.IN_PROGRESS)  # reopen
        return [status for status in Status.values if status in mine]
    return []


def can_change_status(user, case: Case, to_status: str) -> bool:
    return to_status in allowed_statuses(user, case)


def can_reassign(user, case: Case) -> bool:
    return can_work_case(user, case) and case.status != CLOSED_STATUS


def can_view_attachment(user, attachment: CaseAttachment) -> bool:
    if not can_view_case(user, attachment.case):
        return False
    return not attachment.is_internal or can_see_internal(user, attachment.case)
