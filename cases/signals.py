"""Signals other apps listen to (cases knows nothing of them)."""

from django.dispatch import Signal

#: Sent by the new case form after a case was submitted and committed, with
#: ``case`` and ``request`` (e.g. deflection records what the customer read).
case_submitted = Signal()
