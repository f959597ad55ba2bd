"""The composer page, "Check" and "Submit for moderation" through real requests: who may
use it and for which class, tags saved on the teacher's uploads (pupils of the class
only), findings shown next to what they are about, and a submitted post that is a normal
draft of the class with the teacher's revision and the school's workflow under way (or
sent back at once, saying so and never "submitted")."""

import pytest
from wagtail.images import get_image_model
from wagtail.models import PageLogEntry, WorkflowState

from class_pages.factories import ClassImageFactory, PupilFactory, enrol, give_consent
from class_pages.models import Medium, StoryPostPage
from tests.helpers import browser
from tests.workflows.composer.helpers import COMPOSE, composed, photo_file, upload
from workflows.models import LeadersApprovalTask

Image = get_image_model()


def uploaded(client, class_page, count=1):
    return [f"photo:{upload(client, class_page).json()['id']}" for _ in range(count)]


def posts_of(class_page):
    return StoryPostPage.objects.child_of(class_page)


@pytest.fixture
def oak(world):
    """Oak with a second pupil (no photo consent) and the teacher's browser."""
    class_page = world.a.classes["Oak"]
    second = PupilFactory(school=world.a.school, first_name="Amira", last_name="Hassan")
    enrol(second, class_page)
    give_consent(second, media=(Medium.PARTICIPATION, Medium.VIDEO, Medium.AUDIO))
    return class_page, world.a.pupils["Oak"], second, browser(world.a.teachers["Oak"])


def test_the_dashboard_and_menu_lead_a_teacher_to_the_composer(world):
    home = browser(world.a.teachers["Oak"]).get("/admin/").content.decode()
    assert "Write a post" in home and COMPOSE in home
    office_home = browser(world.a.office).get("/admin/").content.decode()
    assert COMPOSE not in office_home


def test_one_class_is_chosen_for_its_teacher_and_pupils_show_their_consent(oak):
    class_page, pupil, second, client = oak
    html = client.get(COMPOSE).content.decode()
    assert f'name="class_page" value="{class_page.pk}"' in html
    assert 'multiple accept="image/*"' in html and 'capture="environment"' in html
    assert 'accept="video/*,audio/*"' in html
    assert f"{pupil.display_name}</span>" in html and "photo ✓" in html
    assert "Amira H." in html and "no photo consent" in html
    assert "Hassan" not in html  # first name and initial only


def test_a_teacher_of_two_classes_picks_one(world):
    teacher = world.a.teachers["Oak"]
    teacher.groups.add(world.a.classes["Willow"].teachers_group)
    html = browser(teacher).get(COMPOSE).content.decode()
    assert '<select name="class_page"' in html
    assert ">Oak" in html and ">Willow" in html and "Rowan" not in html


@pytest.mark.parametrize("who", ["carer", "anonymous", "office"])
def test_people_with_no_class_to_post_to_are_refused(world, who):
    user = {"carer": world.a.carers["Oak"], "anonymous": None, "office": world.a.office}[who]
    client = browser(user)
    for response in (
        client.get(COMPOSE),
        client.post(COMPOSE, composed(world.a.classes["Oak"], action="submit")),
    ):
        assert response.status_code in (302, 403)
    assert posts_of(world.a.classes["Oak"]).count() == 1


def test_check_quotes_a_finding_next_to_the_title_and_the_photo(oak):
    class_page, pupil, second, client = oak
    keys = uploaded(client, class_page, 2)
    data = composed(
        class_page,
        [(keys[0], "Seeds", [second], False), (keys[1], "Pots", [], False)],
        title=f"Well done {pupil.first_name} {pupil.last_name}",
    )
    response = client.post(COMPOSE, data)
    assert response.status_code == 200
    html = response.content.decode()
    title_at = html.index('name="title"')
    found = html.index(f"{pupil.first_name} {pupil.last_name}</q>", title_at)
    assert title_at < found < html.index('name="body"')  # quoted just below the title
    first_card = html.index(f'data-key="{keys[0]}"')
    second_card = html.index(f'data-key="{keys[1]}"')
    no_consent = html.index("must not appear in photos", first_card)
    assert first_card < no_consent < second_card
    assert html.index("tag every pupil", second_card) > second_card
    # tags were saved on the teacher's uploads; nothing was created
    assert list(Image.objects.get(pk=keys[0].split(":")[1]).pupils.all()) == [second]
    assert posts_of(class_page).count() == 1


def test_submit_creates_a_draft_with_the_teachers_revision_waiting_for_the_leaders(oak, world):
    class_page, pupil, second, client = oak
    keys = uploaded(client, class_page, 3)
    items = [
        (keys[0], "Planting", [pupil], False),
        (keys[1], "Watering", [pupil], False),
        (keys[2], "The pots", [], True),
    ]
    response = client.post(COMPOSE, composed(class_page, items, action="submit"))
    assert response.status_code == 302
    post = posts_of(class_page).exclude(pk=world.a.posts["Oak"].pk).get().specific
    assert (post.title, post.owner, post.live, post.slug) == (
        "Our seed trip",
        world.a.teachers["Oak"],
        False,
        "our-seed-trip",
    )
    assert [photo[:2] for photo in post.photo_entries()] == [
        (int(key.split(":")[1]), alt) for key, alt, *_ in items
    ]
    revision = post.latest_revision
    assert revision.user == world.a.teachers["Oak"]
    assert PageLogEntry.objects.filter(page=post, action="wagtail.create").exists()
    state = WorkflowState.objects.for_instance(post).get()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert isinstance(state.current_task_state.task.specific, LeadersApprovalTask)
    assert state.requested_by == world.a.teachers["Oak"]
    done = client.get(response["Location"]).content.decode()
    assert "waiting for the leaders" in done and "The full editor stays for edits" in done
    assert f"/admin/pages/{post.pk}/edit/" in done and "Write another" in done


def test_a_post_the_checks_send_back_says_so_and_never_submitted(oak):
    class_page, pupil, second, client = oak
    keys = uploaded(client, class_page)
    data = composed(class_page, [(keys[0], "Seeds", [second], False)], action="submit")
    response = client.post(COMPOSE, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Not sent to the leaders" in html and "must not appear in photos" in html
    assert "Amira H." in html
    assert "submitted" not in html.lower()
    post = posts_of(class_page).get(title="Our seed trip")
    state = WorkflowState.objects.for_instance(post).get()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES


def test_an_event_needs_its_date(oak):
    class_page, pupil, second, client = oak
    response = client.post(COMPOSE, composed(class_page, kind="event", action="submit"))
    assert response.status_code == 200
    assert "An event needs its date." in response.content.decode()
    assert posts_of(class_page).count() == 1


def test_a_pupil_of_another_class_is_refused_and_nothing_is_saved(oak, world):
    class_page, pupil, second, client = oak
    keys = uploaded(client, class_page)
    for stranger in (world.a.pupils["Willow"], world.b.pupils["Rowan"], 999_999, "x"):
        data = composed(class_page, [(keys[0], "Seeds", [pupil, stranger], False)], "submit")
        response = client.post(COMPOSE, data)
        assert response.status_code == 200
        assert "Tap only pupils of this class." in response.content.decode()
    assert not Image.objects.get(pk=keys[0].split(":")[1]).pupils.exists()
    assert posts_of(class_page).count() == 1


@pytest.mark.parametrize("whose", ["Willow", "Rowan", "someone else's in Oak", "none"])
def test_media_ids_not_the_teachers_own_uploads_in_this_class_are_refused(oak, world, whose):
    class_page, pupil, second, client = oak
    if whose == "none":
        image_id = 999_999
    elif whose == "Rowan":
        image_id = world.b.images["Rowan"].pk
    elif whose == "Willow":
        image_id = world.a.images["Willow"].pk
    else:
        image_id = ClassImageFactory(collection=class_page.collection).pk
    data = composed(class_page, [(f"photo:{image_id}", "Seeds", [], True)], action="submit")
    response = client.post(COMPOSE, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "not in this class&#x27;s media library" in html
    assert posts_of(class_page).count() == 1
    assert not Image.objects.filter(pk=image_id, no_identifiable_pupil=True).exists()


def test_a_teacher_of_oak_cannot_post_to_willow_or_another_school(world):
    client = browser(world.a.teachers["Oak"])
    for target in (world.a.classes["Willow"], world.b.classes["Rowan"]):
        response = client.post(COMPOSE, composed(target, action="submit"))
        assert response.status_code == 200
        assert "Choose one of your own classes." in response.content.decode()
        assert posts_of(target).count() == 1


def test_a_leader_posts_to_a_class_of_their_school(world):
    leader, willow = world.a.leader, world.a.classes["Willow"]
    client = browser(leader)
    html = client.get(COMPOSE).content.decode()
    assert ">Willow" in html and "Rowan" not in html
    response = client.post(COMPOSE, composed(willow, action="submit"))
    assert response.status_code == 302, response.content.decode()[:2000]
    post = posts_of(willow).get(title="Our seed trip")
    assert post.owner == leader
    assert browser(leader).post(COMPOSE, composed(world.b.classes["Rowan"])).status_code == 200
    assert posts_of(world.b.classes["Rowan"]).count() == 1


def test_without_javascript_files_come_with_the_form_and_wait_to_be_tagged(oak):
    class_page, pupil, second, client = oak
    data = composed(class_page, action="submit")
    data["files"] = [photo_file("one.png"), photo_file("two.png")]
    response = client.post(COMPOSE, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Your files are uploaded" in html
    assert html.count('name="items" value="photo:') == 2
    assert posts_of(class_page).count() == 1
    keys = [f"photo:{image.pk}" for image in Image.objects.filter(title__in=["one", "two"])]
    items = [(key, "Seeds", [pupil], False) for key in keys]
    assert client.post(COMPOSE, composed(class_page, items, "submit")).status_code == 302
