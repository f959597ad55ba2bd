"""The carer's class page: the "This week" strip, WebP sources in a srcset (which carers
may fetch, and nobody else), a lightbox without script, and recordings in the feed."""

import re
from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone
from wagtail.documents import get_document_model

from class_pages.factories import StoryPostPageFactory
from class_pages.models import StoryPostPage

SRCSET = re.compile(r'srcset="([^"]+)"')


def test_this_week_lists_the_coming_days_reminders_and_events(world, client):
    oak = world.a.classes["Oak"]
    today = timezone.localdate()
    StoryPostPageFactory(
        parent=oak,
        title="PE kit Tuesday",
        kind=StoryPostPage.Kind.REMINDER,
        event_date=today + timedelta(days=2),
    )
    StoryPostPageFactory(
        parent=oak,
        title="Trip next month",
        kind=StoryPostPage.Kind.EVENT,
        event_date=today + timedelta(days=30),
    )
    StoryPostPageFactory(
        parent=oak,
        title="Old reminder",
        kind=StoryPostPage.Kind.REMINDER,
        event_date=today - timedelta(days=1),
    )
    StoryPostPageFactory(
        parent=oak,
        title="Draft reminder",
        kind=StoryPostPage.Kind.REMINDER,
        event_date=today + timedelta(days=1),
        published=False,
    )
    client.force_login(world.a.carers["Oak"])
    html = client.get(oak.url).content.decode()
    strip = html[
        html.index('id="this-week"') : html.index("</section>", html.index('id="this-week"'))
    ]
    assert "PE kit Tuesday" in strip
    for absent in ("Trip next month", "Old reminder", "Draft reminder"):
        assert absent not in strip


def test_webp_sources_are_for_the_carers_of_the_class_only(world, client):
    client.force_login(world.a.carers["Oak"])
    html = client.get(world.a.classes["Oak"].url).content.decode()
    sources = [part.split()[0] for srcset in SRCSET.findall(html) for part in srcset.split(",")]
    assert len(sources) == 2 and all(url.endswith(".webp") for url in sources)
    for url in sources:
        response = client.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    client.force_login(world.a.carers["Willow"])
    assert all(client.get(url).status_code == 404 for url in sources)
    assert 'class="zoomable"' in html and "<script" not in html


def test_recordings_play_in_the_feed(world, client):
    oak = world.a.classes["Oak"]
    media = get_document_model()(title="Song", kind="audio", collection=oak.collection)
    media.file.save("song.mp3", ContentFile(b"ID3\x04" + b"0" * 64), save=True)
    media.pupils.set([world.a.pupils["Oak"]])
    StoryPostPageFactory(
        parent=oak,
        title="Our song",
        media=[("audio", {"recording": media, "description": "Class singing", "caption": ""})],
    )
    client.force_login(world.a.carers["Oak"])
    html = client.get(oak.url).content.decode()
    assert f'<audio controls preload="none" src="{media.url}"' in html
    assert client.get(media.url).status_code == 200


def test_my_classes_lists_the_whole_school_story(world, client):
    client.force_login(world.a.carers["Oak"])
    html = client.get("/my-classes/").content.decode()
    assert "Whole-school story" in html and "Birch" not in html


def test_carer_pages_follow_the_phones_language(world, client):
    client.force_login(world.a.carers["Oak"])
    welsh = client.get("/my-classes/", headers={"accept-language": "cy"}).content.decode()
    assert "Fy nosbarthiadau" in welsh
    english = client.get("/my-classes/", headers={"accept-language": "en-GB"}).content.decode()
    assert "My classes" in english and "Fy nosbarthiadau" not in english
