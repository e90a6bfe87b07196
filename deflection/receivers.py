"""Listening to the cases app: when a case is submitted through the web form,
store what its customer read first and close the first step's flow."""

from .services import SESSION_FLOW, forget_flow, load_flow, record_case_reading


def on_case_submitted(sender, case, session=None, **kwargs) -> None:
    if session is None:  # the API or the admin: no first step was taken
        return
    flow = load_flow(session) if SESSION_FLOW in session else None
    record_case_reading(case, flow)
    # The case took the kept error log: nothing left to discard.
    forget_flow(session)
