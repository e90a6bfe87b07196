"""Listening to the cases app: when a case is submitted through the form,
store what its customer read first and close the first step's flow."""

from .services import SESSION_FLOW, end_flow, load_flow, record_case_reading


def on_case_submitted(sender, case, request, **kwargs) -> None:
    session = request.session
    flow = load_flow(session) if SESSION_FLOW in session else None
    record_case_reading(case, flow)
    # The case took the kept error log: nothing left to discard.
    end_flow(request, keep_uploads=True)
