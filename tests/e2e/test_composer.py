"""The teachers' composer in a real browser on a phone (390×844): from the dashboard a
teacher posts three photos with two pupils tagged and submits it, in at most 8 user
actions (clicks, fills, file choices), and it waits for the leaders; axe-core finds no
serious or critical violation on the composer. Screenshots of the composer at phone
and desktop size go to tests/e2e/artifacts/."""

from class_pages.factories import PupilFactory, enrol, generated_image_file, give_consent
from class_pages.models import ClassPage, StoryPostPage
from tests.e2e.helpers import DESKTOP, PHONE, shoot, sign_in_staff
from tests.e2e.test_accessibility import BLOCKING, axe, summary

MAX_ACTIONS = 8


def photo(name, colour):
    return {"name": name, "mimeType": "image/png", "buffer": _png(colour)}


def _png(colour):
    return generated_image_file(colour=colour).read()


def test_a_teacher_posts_three_photos_with_two_pupils_in_at_most_eight_actions(
    demo, new_page, axe_source
):
    oak = ClassPage.objects.get(class_name="Oak")
    second = PupilFactory(school=oak.get_parent().get_parent().specific, first_name="Bea")
    enrol(second, oak)
    give_consent(second)
    page = new_page(PHONE, bypass_csp=True)
    sign_in_staff(page, "teacher.oak")
    actions = 0

    def act(step):
        nonlocal actions
        actions += 1
        step()

    act(lambda: page.get_by_role("link", name="Write a post").first.click())
    page.wait_for_url("**/admin/write/")
    shoot(page, "composer-phone-empty")
    act(lambda: page.get_by_label("Title").fill("Planting seeds"))
    files = [photo(f"seed-{n}.png", (40 * n, 120, 80)) for n in range(1, 4)]
    act(lambda: page.locator("input[type=file][multiple][accept='image/*']").set_input_files(files))
    cards = page.locator("[data-composer-item]")
    cards.nth(2).wait_for()
    assert cards.count() == 3
    with_consent = "label.composer-pupil:not(.composer-pupil--no-consent)"
    act(lambda: cards.nth(0).locator(with_consent, has_text="Amira").click())
    act(lambda: cards.nth(1).locator(with_consent, has_text="Bea").click())
    act(lambda: cards.nth(2).locator(with_consent, has_text="Amira").click())
    shoot(page, "composer-phone-ready")
    violations = axe(page, axe_source)
    assert not [v for v in violations if v["impact"] in BLOCKING], summary({"composer": violations})
    act(lambda: page.get_by_role("button", name="Submit for moderation").click())
    page.get_by_role("heading", name="Waiting for the leaders").wait_for()
    shoot(page, "composer-phone-submitted")
    assert actions <= MAX_ACTIONS, actions
    post = StoryPostPage.objects.child_of(oak).get(title="Planting seeds").specific
    assert len(post.photo_entries()) == 3


def test_the_composer_on_a_desktop(demo, new_page, axe_source):
    page = new_page(DESKTOP, bypass_csp=True)
    sign_in_staff(page, "teacher.oak")
    page.goto("/admin/write/")
    shoot(page, "composer-desktop")
    violations = axe(page, axe_source)
    assert not [v for v in violations if v["impact"] in BLOCKING], summary({"composer": violations})
