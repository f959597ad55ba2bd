"""A first end-to-end check of the world fixture: a carer reads their class page."""


def test_carer_reads_own_class(world, signed_in):
    client = signed_in(world.a.carers["Oak"])
    response = client.get(world.a.classes["Oak"].url)
    assert response.status_code == 200
    assert b"Oak news" in response.content
