"""Domain signals come from the services once the change commits, whatever
made it (issue 14): the web form, the JSON API and the admin alike."""

import pytest
from django.db import transaction

from cases.models import Status
from cases.services import transition_case
from cases.signals import case_submitted, case_transitioned


@pytest.fixture
def received():
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    case_submitted.connect(listener, dispatch_uid="test-submitted")
    case_transitioned.connect(listener, dispatch_uid="test-transitioned")
    yield heard
    case_submitted.disconnect(dispatch_uid="test-submitted")
    case_transitioned.disconnect(dispatch_uid="test-transitioned")


def test_a_case_made_by_the_service_is_announced_after_the_commit(
    make_case, received, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = make_case()
    # Nothing is told before the commit.
    assert received == []

    for callback in callbacks:
        callback()

    assert [r["case"] for r in received] == [case]
    assert received[0]["session"] is None  # not from the web form


def test_a_rolled_back_case_is_never_announced(make_case, received):
    with pytest.raises(RuntimeError), transaction.atomic():
        make_case()
        raise RuntimeError("the caller's transaction fails")

    assert received == []


def test_a_status_change_is_announced_after_the_commit(
    make_case, world, received, django_capture_on_commit_callbacks
):
    case = make_case()
    before = case.status
    with django_capture_on_commit_callbacks(execute=True):
        transition_case(
            case, Status.IN_PROGRESS, world.partner, "looking", notify=False
        )

    changed = [r for r in received if "to_status" in r]
    assert len(changed) == 1
    assert changed[0]["case"].pk == case.pk
    assert (changed[0]["from_status"], changed[0]["to_status"]) == (
        before,
        Status.IN_PROGRESS,
    )
    assert changed[0]["actor"] == world.partner and changed[0]["comment"] == "looking"


def test_a_case_made_through_the_api_is_announced(
    client, world, received, django_capture_on_commit_callbacks
):
    from cases.tokens import issue_api_token

    from .test_api import CASES, auth, case_fields

    _row, raw = issue_api_token(world.microbit.customer, "server-01")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CASES, case_fields(), **auth(raw))

    assert response.status_code == 201, response.content
    submitted = [r for r in received if "session" in r]
    assert [r["case"].number for r in submitted] == [response.json()["number"]]
    assert submitted[0]["session"] is None
