"""The teachers' composer in a real browser on a phone (390×844): from the dashboard a
teacher posts three photos with two pupils tagged and submits it, in at most 8 user
actions (clicks, fills, file choices), and it waits for the leaders; axe-core finds no
serious or critical violation on the composer. Screenshots of the composer at phone
and desktop size go to tests/e2e/artifacts/."""

from class_pages.factories import PupilFactory, enrol, generated_image_file, give_consent
from class_pages.models import ClassPage, StoryPostPage
from tests.e2e.helpers import DESKTOP, PHONE, shoot, sign_in_carer, sign_in_staff
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


def test_from_composer_to_the_carers_feed(demo, new_page):
    """The whole story on a phone: the teacher tags Charlie (no photo consent), Check
    shows the consent finding on that photo before anything is sent; the teacher tags
    Amira instead and submits; the leader approves from the dashboard in one click; the
    carer sees the post on the class page."""
    oak = ClassPage.objects.get(class_name="Oak")
    teacher = new_page(PHONE)
    sign_in_staff(teacher, "teacher.oak")
    teacher.goto("/admin/write/")
    teacher.get_by_label("Title").fill("Our bean diary")
    teacher.locator("input[type=file][multiple][accept='image/*']").set_input_files(
        [photo("beans.png", (90, 160, 60))]
    )
    card = teacher.locator("[data-composer-item]").first
    card.wait_for()
    card.locator("label.composer-pupil--no-consent", has_text="Charlie").click()
    teacher.get_by_role("button", name="Check").click()
    finding = teacher.locator("[data-composer-item] .composer-findings").first
    finding.wait_for()
    assert "Charlie" in finding.inner_text()
    shoot(teacher, "composer-phone-finding")
    assert not StoryPostPage.objects.child_of(oak).filter(title="Our bean diary").exists()

    card = teacher.locator("[data-composer-item]").first
    card.locator("label.composer-pupil", has_text="Charlie").click()  # untick
    card.locator("label.composer-pupil", has_text="Amira").click()
    teacher.get_by_role("button", name="Submit for moderation").click()
    teacher.get_by_role("heading", name="Waiting for the leaders").wait_for()
    assert "Not sent" not in teacher.content()

    leader = new_page(PHONE)
    sign_in_staff(leader, "leader")
    leader.goto("/admin/")
    row = leader.locator("#awaiting-review-section tr", has_text="Our bean diary")
    row.get_by_role("button", name="Approve").click()  # the one click
    leader.get_by_text("Our bean diary").first.wait_for()
    shoot(leader, "dashboard-phone-approved")
    post = StoryPostPage.objects.child_of(oak).get(title="Our bean diary")
    assert post.live and not post.has_unpublished_changes

    carer = new_page(PHONE)
    sign_in_carer(carer, "carer.oak")
    carer.goto(oak.url)
    carer.get_by_text("Our bean diary").first.wait_for()
    shoot(carer, "class-page-phone-after-approval")
