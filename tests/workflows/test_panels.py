"""The class posts dashboard panel: each member of staff sees their own classes' posts
by state, and nothing of other classes or schools."""

import re

from class_pages.factories import StoryPostPageFactory


def panel_rows(client, user):
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    start = html.find("Class posts")
    assert start != -1
    table = html[start : html.find("</table>", start)]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>|\s+", " ", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


def test_teacher_sees_own_class_posts_by_state(world, client):
    oak = world.a.classes["Oak"]
    StoryPostPageFactory(parent=oak, title="A draft", published=False)
    submitted = StoryPostPageFactory(
        parent=oak, title="Waiting", published=False, photos=[world.a.images["Oak"]]
    )
    submitted.save_revision(user=world.a.teachers["Oak"])
    submitted.get_workflow().start(submitted, world.a.teachers["Oak"])
    rows = panel_rows(client, world.a.teachers["Oak"])
    assert list(rows) == [oak.title]
    drafts, waiting, changes, live, oldest = rows[oak.title]
    assert (drafts, waiting, changes, live) == ("1", "1", "0", "1")
    assert oldest == "0 days"


def test_leader_sees_every_class_of_their_school_only(world, client):
    rows = panel_rows(client, world.a.leader)
    assert set(rows) == {world.a.classes["Oak"].title, world.a.classes["Willow"].title}
    rows_b = panel_rows(client, world.b.leader)
    assert set(rows_b) == {world.b.classes["Rowan"].title}


def test_office_has_no_class_posts_panel(world, client):
    client.force_login(world.a.office)
    assert "Class posts" not in client.get("/admin/").content.decode()
