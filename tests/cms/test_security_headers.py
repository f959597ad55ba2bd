"""Carer pages carry a strict CSP (no inline script, no framing) and contain no inline
script; every response says nosniff and a Permissions-Policy."""

import re

import pytest


@pytest.mark.parametrize("path", ["/", "/sign-in/", "/my-classes/", "class", "post", "photo"])
def test_carer_responses_carry_the_headers(world, client, path):
    if path != "/sign-in/":  # a signed-in visitor is sent on from the sign-in page
        client.force_login(world.a.carers["Oak"])
    url = {
        "class": world.a.classes["Oak"].url,
        "post": world.a.posts["Oak"].url,
        "photo": world.a.images["Oak"].get_rendition("fill-800x600").url,
    }.get(path, path)
    response = client.get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    if response["Content-Type"].startswith("text/html"):
        html = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script on a carer page"
        assert " style=" not in html and "<style" not in html


def test_admin_is_left_to_wagtail(world, client):
    client.force_login(world.a.leader)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
