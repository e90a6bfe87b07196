"""Signals other apps listen to (cases knows nothing of them). The services
send them once the change is committed, whatever made it: the web form, the
JSON API or the admin. A listener that fails is logged and undoes nothing."""

from django.dispatch import Signal

#: A case was submitted: ``case``, and ``session``: the visitor's session when
#: the case came through the web form (the step before the form reads what
#: the customer did there), else None.
case_submitted = Signal()

#: A case changed status: ``case``, ``from_status``, ``to_status``, ``actor``
#: (the user who changed it) and ``comment``.
case_transitioned = Signal()
