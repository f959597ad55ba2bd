"""Class pages are not a messaging service: class and post pages send people to the
school's contact page instead (no comment or message form anywhere)."""

from class_pages.factories import InformationPageFactory


def test_pages_point_to_the_contact_page_and_offer_no_messages(world, client):
    InformationPageFactory(parent=world.a.school, title="Contacting the school")
    client.force_login(world.a.carers["Oak"])
    for url in (world.a.classes["Oak"].url, world.a.posts["Oak"].url):
        html = client.get(url).content.decode()
        assert 'href="/contacting-the-school/"' in html and "how to contact the school" in html
        assert "<textarea" not in html and 'name="message"' not in html


def test_without_a_contact_page_the_school_home_is_used(world, client):
    client.force_login(world.a.carers["Oak"])
    html = client.get(world.a.classes["Oak"].url).content.decode()
    assert "how to contact the school" in html and 'href="/"' in html
