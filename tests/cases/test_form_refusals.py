"""A form refused by a rate limit (429) says that nothing needs correcting,
only waiting; a form with mistakes still asks to correct them."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory

from cases.models import Case
from core.throttle import rate_limit_wait, retry_message, start_request

from .conftest import url

pytestmark = pytest.mark.django_db

CORRECT = "please correct what is marked below"
CORRECT_IT = "correggi quanto indicato"


def test_a_refused_case_form_does_not_ask_to_correct_anything(
    client, world, form_data, settings
):
    settings.CASES_CREATE_RATE = (1, 3600)
    client.force_login(world.microbit)
    client.post(url("cases:new"), form_data())

    response = client.post(url("cases:new"), form_data(subject="Secondo problema"))

    assert response.status_code == 429
    page = response.content.decode()
    assert CORRECT not in page
    assert "nothing needs correcting" in page
    assert "What you typed is kept below." in page
    assert "try again in 60 minutes" in page
    assert 'value="Secondo problema"' in page
    assert Case.objects.count() == 1


def test_the_refusal_is_explained_in_the_users_language(
    client, world, form_data, settings
):
    settings.CASES_CREATE_RATE = (1, 3600)
    client.force_login(world.microbit)
    client.post(url("cases:new"), form_data())

    response = client.post(
        url("cases:new", language="it"), form_data(), HTTP_ACCEPT_LANGUAGE="it"
    )

    page = response.content.decode()
    assert response.status_code == 429
    assert CORRECT_IT not in page
    assert "non ci sono errori da correggere" in page


def test_a_case_form_with_mistakes_still_asks_to_correct_them(client, world, form_data):
    client.force_login(world.microbit)

    response = client.post(url("cases:new"), form_data(subject=""))

    page = response.content.decode()
    assert response.status_code == 400
    assert CORRECT in page
    assert "nothing needs correcting" not in page


class NoteForm(forms.Form):
    note = forms.CharField(required=False)


@pytest.mark.parametrize(("limit", "said"), [(0, True), (5, False)])
def test_the_shared_form_include_says_so_when_a_limit_refused(limit, said):
    """``core/includes/form.html`` (the account forms) reads the refusal of
    the request it renders for; a form error of another kind is left alone."""
    request = RequestFactory().post("/")
    start_request()
    form = NoteForm(data={"note": "kept"})
    form.is_valid()
    wait = rate_limit_wait("test_form_include", "127.0.0.1", limit, 60)
    form.add_error(None, retry_message(wait) if wait else "Something else is wrong.")

    html = render_to_string("core/includes/form.html", {"form": form}, request)

    assert ("Nothing needs correcting" in html) is said
    assert 'value="kept"' in html
