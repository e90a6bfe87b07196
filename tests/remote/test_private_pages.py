"""Pages with consent records and sessions are private and never stored: no
shared cache keeps them, the browser does not store them (the authorisation's
page carries the token of its session page)."""

import pytest

from .conftest import url


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


@pytest.mark.django_db
def test_the_customers_history_and_authorisation_pages_are_private(
    client, authorise, world
):
    issued = authorise(world.microbit)
    public_id = issued.authorisation.public_id

    for address in (
        url("remote:history"),
        url("remote:authorisation", public_id=public_id),
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert {"private", "no-store"} <= directives(response), address


@pytest.mark.django_db
def test_the_partners_desk_is_private(client, world):
    client.force_login(world.partner)

    response = client.get(url("remote:desk"))

    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)
