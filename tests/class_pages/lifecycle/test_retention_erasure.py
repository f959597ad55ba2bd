"""Retention with a fixed clock deletes exactly what each school's periods say, files
included; erasing a pupil leaves no trace of their name, tags or sole-subject media."""

import io
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from wagtail.images import get_image_model

from class_pages.factories import (
    CarerLinkFactory,
    ClassImageFactory,
    PupilFactory,
    StoryPostPageFactory,
    enrol,
    give_consent,
)
from class_pages.lifecycle.erasure import erase_pupil
from class_pages.lifecycle.retention import apply_retention
from class_pages.models import (
    CarerLink,
    ConsentRecord,
    ErasureRecord,
    Invitation,
    Pupil,
    StoryPostPage,
)


def on_disk(name):
    return (Path(settings.MEDIA_ROOT) / name).exists()


def test_retention_deletes_leavers_media_and_old_posts_exactly(
    world, django_capture_on_commit_callbacks
):
    oak = world.a.classes["Oak"]
    now = timezone.now()
    leaver = PupilFactory(school=world.a.school, left_on=(now - timedelta(days=91)).date())
    recent_leaver = PupilFactory(school=world.a.school, left_on=(now - timedelta(days=89)).date())
    old_photo = ClassImageFactory(collection=oak.collection, pupils=[leaver])
    kept_photo = ClassImageFactory(collection=oak.collection, pupils=[recent_leaver])
    ancient = StoryPostPageFactory(
        parent=oak,
        title="Ancient history",
        photos=[ClassImageFactory(collection=oak.collection, no_identifiable_pupil=True)],
    )
    StoryPostPage.objects.filter(pk=ancient.pk).update(
        first_published_at=now - timedelta(days=365 * 3 + 1)
    )
    ancient_file = get_image_model().objects.get(pk=list(ancient.image_ids())[0]).file.name
    recent = StoryPostPageFactory(parent=oak, title="Last year")
    StoryPostPage.objects.filter(pk=recent.pk).update(
        first_published_at=now - timedelta(days=365 * 3 - 1)
    )

    dry = apply_retention(now=now, dry_run=True, schools=[world.a.school])
    assert dry[0].media == [old_photo.title] and dry[0].posts == ["Ancient history"]
    assert get_image_model().objects.filter(pk=old_photo.pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        report = apply_retention(now=now, schools=[world.a.school])[0]
    assert report.media == [old_photo.title] and report.posts == ["Ancient history"]
    assert not get_image_model().objects.filter(pk=old_photo.pk).exists()
    assert not on_disk(old_photo.file.name) and not on_disk(ancient_file)
    assert get_image_model().objects.filter(pk=kept_photo.pk).exists()
    assert StoryPostPage.objects.filter(pk=recent.pk).exists()
    assert not StoryPostPage.objects.filter(pk=ancient.pk).exists()
    assert StoryPostPage.objects.filter(pk=world.a.posts["Oak"].pk).exists()


def test_retention_command_reports(world):
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "Alder Primary: would delete 0 media, 0 posts" in out.getvalue()


def test_erasure_leaves_no_trace(world, django_capture_on_commit_callbacks):
    oak = world.a.classes["Oak"]
    pupil = PupilFactory(school=world.a.school, first_name="Zebedee", last_name="Quartermaine")
    enrol(pupil, oak)
    give_consent(pupil)
    carer = CarerLinkFactory(pupil=pupil).carer
    Invitation.objects.create(
        pupil=pupil,
        adult_name="Quartermaine senior",
        email="q@example.org",
        token_hash="x" * 64,
        has_responsibility=True,
    )
    sole = ClassImageFactory(collection=oak.collection, pupils=[pupil])
    shared = ClassImageFactory(collection=oak.collection, pupils=[pupil, world.a.pupils["Oak"]])
    only_them = StoryPostPageFactory(parent=oak, title="Solo", photos=[sole])
    naming = StoryPostPageFactory(
        parent=oak, title="Well done", body="Zebedee won the race.", photos=[shared]
    )
    sole_files = [sole.file.name, sole.get_rendition("fill-800x600").file.name]

    with django_capture_on_commit_callbacks(execute=True):
        record = erase_pupil(pupil, world.a.leader)

    assert not Pupil.objects.filter(pk=pupil.pk).exists()
    assert not get_image_model().objects.filter(pk=sole.pk).exists()
    assert not any(on_disk(name) for name in sole_files)
    assert list(get_image_model().objects.get(pk=shared.pk).pupils.all()) == [world.a.pupils["Oak"]]
    assert not StoryPostPage.objects.get(pk=only_them.pk).live  # for the teacher's review
    assert not StoryPostPage.objects.get(pk=naming.pk).live
    assert StoryPostPage.objects.get(pk=world.a.posts["Oak"].pk).live  # nothing else
    assert not CarerLink.objects.filter(carer=carer).exists()
    assert not ConsentRecord.objects.filter(pupil_id=pupil.pk).exists()
    assert not Invitation.objects.filter(pupil_id=pupil.pk).exists()
    assert (record.media_deleted, record.tags_removed, record.posts_unpublished) == (1, 1, 2)
    assert record.erased_by == world.a.leader

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    assert "Quartermaine" not in dump.getvalue()
    assert "Zebedee Quartermaine" not in dump.getvalue()
    assert "Quartermaine" not in str(ErasureRecord.objects.values())


def test_leader_erases_through_the_admin_with_confirmation(world, client):
    pupil = PupilFactory(school=world.a.school, first_name="Ada", last_name="Lovelace")
    url = f"/admin/erase-pupil/{pupil.pk}/"
    client.force_login(world.b.leader)
    assert client.get(url).status_code == 404  # another school's leader
    client.force_login(world.a.teachers["Oak"])
    assert client.get(url).status_code in (302, 403)
    client.force_login(world.a.leader)
    assert "Ada Lovelace" in client.get("/admin/erase-pupil/?q=love").content.decode()
    wrong = client.post(url, {"full_name": "Ada Byron", "valid_request": "on"})
    assert wrong.status_code == 200 and Pupil.objects.filter(pk=pupil.pk).exists()
    done = client.post(url, {"full_name": "  ada   LOVELACE ", "valid_request": "on"})
    assert done.status_code == 302 and not Pupil.objects.filter(pk=pupil.pk).exists()
    log = client.get("/admin/audit/", {"category": "erasures"}).content.decode()
    assert "erased on request" in log and "Lovelace" not in log
