"""The leaders' gate and menu (workflows.leaders): every route of every leaders' tool
refuses whom its gate does not admit with Wagtail's denial, for GET and POST, before the
view runs; each route keeps its path and name, once; the one "Leaders" menu group shows a
leader their tools and is not there for a teacher or the office."""

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse

from workflows.leaders.gate import LEADERS, TRUST_VIEWERS
from workflows.leaders.menu import LeadersViewSet
from workflows.wagtail_hooks import LEADERS_TOOLS

ROUTES = [
    (tool, route, name)
    for tool in LEADERS_TOOLS.registerables
    if isinstance(tool, LeadersViewSet)
    for route, _, name in tool.routes()
]


def url_of(route):
    return "/admin/" + re.sub(r"<id:\w+>", "1", route)


def assert_denied(response):
    assert response.status_code == 302 and response["Location"] == "/admin/"
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("permission" in m for m in messages), messages


def test_every_route_keeps_its_path_and_name_once():
    assert len(ROUTES) >= 15
    assert len({name for _, _, name in ROUTES}) == len(ROUTES)
    for _, route, name in ROUTES:
        if "<" not in route:
            assert reverse(name) == url_of(route)


@pytest.mark.parametrize("who", ["teacher", "office"])
def test_staff_who_lead_nothing_are_denied_every_route(world, who):
    user = world.a.teachers["Oak"] if who == "teacher" else world.a.office
    client = Client()
    client.force_login(user)
    for _, route, _ in ROUTES:
        for response in (client.get(url_of(route)), client.post(url_of(route), {})):
            assert_denied(response)


def test_a_leader_passes_the_leaders_gate_not_the_trusts(world):
    client = Client()
    client.force_login(world.a.leader)
    for tool, route, _ in ROUTES:
        if tool.gate is TRUST_VIEWERS:
            assert_denied(client.get(url_of(route)))
        else:
            assert tool.gate is LEADERS
            response = client.get(url_of(route))
            if "<" in route:  # another school's id or a POST-only action: not the gate's
                assert (response.status_code, response.get("Location")) != (302, "/admin/")
            else:
                assert response.status_code == 200, route


def menu_labels(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    group = LEADERS_TOOLS.get_menu_item()
    if not group.is_shown(request):
        return None
    return [item.label for item in group.menu.menu_items_for_request(request)]


def test_one_leaders_menu_group_for_leaders_only(world):
    assert menu_labels(world.a.leader) == [
        "Concern reports",
        "Oversight",
        "Audit log",
        "Remove access",
        "Erase a pupil",
        "New school year",
        "Subject access",
        "Signed-in sessions",
    ]
    assert menu_labels(world.a.teachers["Oak"]) is None
    assert menu_labels(world.a.office) is None
