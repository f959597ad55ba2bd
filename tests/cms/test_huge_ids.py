"""Ids too large for the database are a plain 404 on every URL of ours that takes one."""

import pytest

HUGE = "9" * 25


@pytest.mark.parametrize(
    "who, url",
    [
        ("carer", f"/my-children/{HUGE}/consent/"),
        ("carer", f"/posts/{HUGE}/report/"),
        ("teacher", f"/admin/choose-page/{HUGE}/"),
        ("leader", f"/admin/erase-pupil/{HUGE}/"),
        ("leader", f"/admin/oversight/classes/{HUGE}/review/"),
    ],
)
def test_huge_ids_are_404(world, client, who, url):
    user = {
        "carer": world.a.carers["Oak"],
        "teacher": world.a.teachers["Oak"],
        "leader": world.a.leader,
    }[who]
    client.force_login(user)
    assert client.get(url).status_code == 404
