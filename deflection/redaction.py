"""What identifies the customer of a case, for the redaction of its text
(``core.redaction``: the patterns every app shares)."""

from __future__ import annotations


def identifiers_of_case(case) -> tuple[list[str], list[str]]:
    """(names, codes) that identify the customer of ``case``: the company, its
    users, the people named on the case, its codes."""
    customer = case.customer
    names = [customer.name]
    codes = [customer.code, getattr(customer, "installation_code", "") or ""]
    people = list(customer.users.all()) if hasattr(customer, "users") else []
    if case.reporter is not None and case.reporter not in people:
        people.append(case.reporter)
    for person in people:
        names += [person.get_full_name(), person.first_name, person.last_name]
        names.append(person.get_username())
        if person.email:
            codes.append(person.email)
    if case.notify_mobile:
        codes.append(case.notify_mobile)
    return [n for n in names if n and len(n) >= 3], [c for c in codes if c]
