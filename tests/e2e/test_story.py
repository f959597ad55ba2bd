"""The whole story in a real browser, against a live server with Demo Primary in it.

teacher.oak writes a post in the Wagtail page editor (title, body, two photos picked with
the image chooser: Amira, who has full consent, and Charlie, whose carer gave no photo
consent) and submits it; the consent check sends it back and the finding shows at the
top of the editor; the teacher deletes Charlie's photo and resubmits; the leader approves
it with the workflow's own button; carer.oak sees it on a phone, carer.willow gets the
404 page for it; carer.oak withdraws Amira's photo consent and the post leaves the Oak
page. Screenshots of the key screens go to tests/e2e/artifacts/."""

import re

from class_pages.factories import ClassImageFactory, generated_image_file
from class_pages.models import ClassPage, Pupil, StoryPostPage
from tests.e2e.helpers import PHONE, shoot, sign_in_carer, sign_in_staff

TITLE = "Art and kites"
BODY = "We mixed colours for our paintings and flew kites on the field."
EDIT_URL = re.compile(r"/admin/pages/\d+/edit/$")


def choose_photo(page, image_title, alt_text):
    """Add a Photo block at the end of the Media stream and pick the image by its title
    in Wagtail's image chooser."""
    page.locator("#media-root .c-sf-add-button").last.click()
    page.get_by_role("option", name="Photo").click()
    block = page.locator("#media-root [data-streamfield-child]").last
    block.get_by_role("button", name="Choose an image").click()
    chooser = page.get_by_role("dialog")
    chooser.get_by_text(image_title, exact=True).click()
    chooser.wait_for(state="hidden")
    block.locator("input[name$='-value-alt_text']").fill(alt_text)
    assert block.locator("[data-chooser-title]").inner_text() == image_title


def footer_action(page, name):
    """Open the editor footer's "More actions" menu and press one of its buttons."""
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name=name).click()


def test_post_from_editor_to_carers_phone_and_back_off_when_consent_is_withdrawn(demo, new_page):
    oak = ClassPage.objects.get(class_name="Oak")
    charlie = Pupil.objects.get(first_name="Charlie", last_name="Evans")
    # Charlie's carer gave no photo consent; the teacher has uploaded a photo of him anyway.
    ClassImageFactory(
        title="Kite flying",
        collection=oak.collection,
        file=generated_image_file(colour=(200, 80, 160)),
        pupils=[charlie],
    )

    # --- teacher.oak writes the post and submits it ---------------------------------
    teacher = new_page()
    sign_in_staff(teacher, "teacher.oak")
    teacher.goto(f"/admin/pages/{oak.pk}/")
    teacher.get_by_role("link", name="Add child page").first.click()
    teacher.wait_for_url(re.compile(rf"/admin/pages/add/class_pages/storypostpage/{oak.pk}/$"))
    teacher.locator("#id_title").fill(TITLE)
    teacher.locator("#id_kind").select_option(label="Celebration")
    teacher.locator("#id_body").fill(BODY)
    choose_photo(teacher, "Amira painting", "A painting in blue and yellow")
    choose_photo(teacher, "Kite flying", "A kite above the school field")
    footer_action(teacher, re.compile(r"^Submit to .*moderation"))
    teacher.wait_for_url(re.compile(rf"/admin/pages/{oak.pk}/$"))

    post = StoryPostPage.objects.child_of(oak).get(title=TITLE)
    assert not post.live

    # The consent check sent it back: the finding is at the top of the editor.
    teacher.locator(".messages").get_by_role("link", name="Edit").click()
    teacher.wait_for_url(EDIT_URL)
    finding = teacher.locator(".messages li.error").filter(has_text="no-photo-consent")
    assert "Charlie E. must not appear in photos" in finding.inner_text()
    assert "Kite flying" in finding.inner_text()
    shoot(teacher, "01-teacher-editor-consent-finding")

    # --- the teacher removes Charlie's photo and resubmits ------------------------
    kite = teacher.locator("#media-root [data-streamfield-child]").filter(has_text="Kite flying")
    kite.get_by_role("button", name="Delete").click()
    kite.wait_for(state="hidden")
    footer_action(teacher, re.compile(r"^Resubmit to "))
    teacher.wait_for_url(re.compile(rf"/admin/pages/{oak.pk}/$"))
    post.refresh_from_db()
    task = post.current_workflow_task_state
    assert task is not None and "leaders" in task.task.name, "not waiting for the leaders"

    # --- the leader approves it from the dashboard's review list -------------------
    leader = new_page()
    sign_in_staff(leader, "leader")
    leader.locator("#awaiting-review-content").get_by_role("link", name=TITLE).click()
    leader.wait_for_url(EDIT_URL)
    leader.get_by_role("button", name="More actions").click()
    approve = leader.get_by_role("button", name="Approve", exact=True)
    approve.wait_for()
    shoot(leader, "02-leader-approval")
    approve.click()
    leader.wait_for_load_state()
    assert leader.locator(".messages li.success").filter(has_text=TITLE).count() == 1
    post.refresh_from_db()
    assert post.live

    # --- carer.oak sees it on a phone ------------------------------------------------
    carer = new_page(PHONE)
    sign_in_carer(carer, "carer.oak")
    carer.get_by_role("link", name=oak.title).click()
    feed = carer.locator("main")
    assert feed.get_by_role("link", name=TITLE).is_visible()
    assert feed.get_by_role("link", name="Star painters").is_visible()
    carer.get_by_role("link", name=TITLE).click()
    carer.get_by_role("heading", level=1, name=TITLE).wait_for()
    photo = carer.get_by_role("img", name="A painting in blue and yellow")
    photo.scroll_into_view_if_needed()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "photo did not load"
    assert carer.get_by_role("img", name="A kite above the school field").count() == 0
    # Nothing wider than the phone's screen.
    assert carer.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(carer, "03-carer-oak-phone-post")
    post_path = carer.url.removeprefix(carer.evaluate("location.origin"))

    # --- carer.willow gets the ordinary 404 page -------------------------------------
    other = new_page(PHONE)
    sign_in_carer(other, "carer.willow")
    response = other.goto(post_path)
    assert response.status == 404
    assert other.get_by_role("heading", level=1).inner_text() == "We could not find that page"
    assert TITLE not in other.content()
    shoot(other, "04-carer-willow-404")

    # --- carer.oak withdraws Amira's photo consent -----------------------------------
    carer.get_by_role("link", name="My children").click()
    carer.get_by_role("link", name="Change consent for Amira").click()
    photos = carer.get_by_role("group", name="May photographs that show your child be posted?")
    photos.get_by_label("No").check()
    carer.get_by_role("button", name="Save my choices").click()
    carer.wait_for_url("**/my-children/")
    assert "You withdrew consent for Amira: photo" in carer.locator("main").inner_text()
    shoot(carer, "05-carer-oak-consent-withdrawn")

    carer.goto(oak.url)
    feed = carer.locator("main")
    assert feed.get_by_role("link", name=TITLE).count() == 0
    assert feed.get_by_role("link", name="Star painters").count() == 0  # Amira's too
    assert feed.get_by_role("link", name="Our volcano experiments").is_visible()  # nobody
    shoot(carer, "06-carer-oak-page-after-withdrawal")
    assert carer.goto(post_path).status == 404
    post.refresh_from_db()
    assert not post.live


def test_the_browser_enforces_the_csp(demo, new_page):
    """A script injected into a carer page is refused by the browser itself."""
    page = new_page()
    page.goto("/sign-in/")
    refused = page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', () => resolve(true));
            const script = document.createElement('script');
            script.textContent = 'window.injected = true';
            document.body.appendChild(script);
            setTimeout(() => resolve(false), 1000);
        })"""
    )
    assert refused is True
    assert page.evaluate("() => window.injected === undefined")
