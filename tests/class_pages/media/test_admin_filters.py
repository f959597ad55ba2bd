"""The usage count filter of the admin's image and "video and audio" listings
(class_pages.media.listings): any input, with or without a search, is a listing or a clear
filter error, never a 500."""

import pytest
from django.utils.html import escape

from class_pages.factories import ClassImageFactory, UserFactory
from class_pages.media.listings import USAGE_WHILE_SEARCHING

LISTINGS = ["/admin/images/", "/admin/documents/"]
# Not numbers, negative, fractional, exponent, NaN, and far beyond any integer column.
VALUES = ["abc", "1", "-1", "1e5", "nan", "9" * 30]


@pytest.fixture
def staff(world, db):
    superuser = UserFactory(username="root.admin", is_superuser=True, is_staff=True)
    return {"teacher": world.a.teachers["Oak"], "leader": world.a.leader, "superuser": superuser}


# Each value as a lower bound, an upper bound alone, and bounds the wrong way round.
QUERIES = [{"usage_count_min": value} for value in VALUES] + [
    {"usage_count_max": "1"},
    {"usage_count_min": "1", "usage_count_max": "-1", "ordering": "-usage_count"},
]


@pytest.mark.parametrize(
    "query", QUERIES, ids=lambda query: "&".join(f"{k}={v}" for k, v in query.items())
)
@pytest.mark.parametrize("listing", LISTINGS)
@pytest.mark.parametrize("who", ["teacher", "superuser"])
@pytest.mark.parametrize("search", [None, "photo"], ids=["listing", "searching"])
def test_no_usage_count_gives_a_500(client, staff, who, search, listing, query):
    client.force_login(staff[who])
    response = client.get(listing, {**query, **({"q": search} if search else {})})
    assert response.status_code == 200, (listing, query, response.status_code)


@pytest.mark.parametrize("listing", LISTINGS)
@pytest.mark.parametrize("who", ["teacher", "superuser"])
@pytest.mark.parametrize("search", [None, "photo"], ids=["listing", "searching"])
def test_no_usage_count_gives_a_500_in_the_results_fragment(client, staff, who, search, listing):
    """The fragment the listing's filters fetch as they change."""
    client.force_login(staff[who])
    response = client.get(listing + "results/", {"usage_count_min": "1", "q": search or ""})
    assert response.status_code == 200, (listing, response.status_code)


@pytest.mark.parametrize("listing", ["/admin/images/", "/admin/documents/"])
def test_a_usage_count_with_a_search_is_a_filter_error(client, staff, listing):
    client.force_login(staff["leader"])
    response = client.get(listing, {"q": "photo", "usage_count_min": "1"})
    assert response.status_code == 200
    assert escape(USAGE_WHILE_SEARCHING) in response.content.decode()


def test_the_filter_still_works_without_a_search(world, client, staff):
    used = world.a.images["Oak"]  # shown by the Oak class's live post
    unused = ClassImageFactory(title="Never used photo", collection=used.collection)
    client.force_login(staff["leader"])
    at_least_once = client.get("/admin/images/", {"usage_count_min": "1"}).content.decode()
    assert used.title in at_least_once and unused.title not in at_least_once
    never = client.get("/admin/images/", {"usage_count_max": "0"}).content.decode()
    assert unused.title in never and used.title not in never
