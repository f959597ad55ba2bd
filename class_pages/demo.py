"""The demo school of DESIGN.md ("Demo Primary"), built from the factories. Every step
finds what an earlier run made before creating anything, so running it again changes
nothing."""

import datetime

from django.contrib.auth import get_user_model
from wagtail.models import Page, Site

from class_pages.agreements import accept
from class_pages.factories import (
    ClassImageFactory,
    InformationPageFactory,
    StoryPostPageFactory,
    create_class,
    create_school,
    enrol,
    generated_image_file,
    give_consent,
    photo_block,
)
from class_pages.lifecycle import school_setup
from class_pages.models import (
    CarerLink,
    ClassImage,
    ClassPage,
    ConsentRecord,
    Medium,
    PolicyPage,
    Pupil,
    SchoolPage,
    SchoolStoryIndexPage,
    StoryPostPage,
)
from class_pages.register.carer_links import link_carer

SCHOOL = "Demo Primary"
TERM_START = datetime.date(2026, 9, 7)

ACCOUNTS = {
    # username: (first name, last name)
    "leader": ("Lena", "Leader"),
    "office": ("Omar", "Office"),
    "teacher.oak": ("Tess", "Oakley"),
    "teacher.willow": ("Will", "Willowby"),
    "carer.oak": ("Carla", "Hassan"),
    "carer.willow": ("Chris", "Patel"),
}


def _account(username, password):
    first, last = ACCOUNTS[username]
    user, _ = get_user_model().objects.get_or_create(
        username=username,
        defaults={"email": f"{username}@demo.invalid", "first_name": first, "last_name": last},
    )
    user.email = f"{username}@demo.invalid"
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


def _school():
    school = SchoolPage.objects.filter(title=SCHOOL).first()
    if school is None:
        school = create_school(SCHOOL)
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(hostname="localhost", port=80, root_page=school, is_default_site=True)
    elif site.root_page_id != school.pk:
        site.root_page = school
        site.site_name = SCHOOL
        site.save()
    # Wagtail's placeholder home page has no place in a school's site.
    Page.objects.filter(depth=2, slug="home", content_type__model="page").delete()
    school = SchoolPage.objects.get(pk=school.pk)
    school_setup.setup_school(school)  # idempotent: brings older demo data up to date
    return school


def _class(school, name, year_group):
    existing = ClassPage.objects.descendant_of(school).filter(class_name=name).first()
    return existing or create_class(school, name, year_group=year_group)


def _pupil(school, first, last):
    return Pupil.objects.get_or_create(school=school, first_name=first, last_name=last)[0]


def _consent(pupil, recorded_by, photo=True, method=ConsentRecord.Method.ONLINE):
    if pupil.consent_records.exists():
        return
    give_consent(pupil, (Medium.PARTICIPATION,), recorded_by=recorded_by, method=method)
    give_consent(
        pupil,
        (Medium.PHOTO, Medium.VIDEO, Medium.AUDIO),
        given=photo,
        recorded_by=recorded_by,
        method=method,
    )


def _image(collection, title, colour, pupils=(), no_identifiable_pupil=False):
    image = ClassImage.objects.filter(collection=collection, title=title).first()
    if image is None:
        image = ClassImageFactory(
            title=title,
            collection=collection,
            file=generated_image_file(colour=colour),
            no_identifiable_pupil=no_identifiable_pupil,
            pupils=list(pupils),
        )
    return image


def _post(parent, title, kind, body, images=(), days=0, event_date=None, owner=None, approver=None):
    """A post written by `owner` and submitted to the school's workflow; with an
    `approver`, approved through it (and so published by the finish action)."""
    post = StoryPostPage.objects.child_of(parent).filter(title=title).first()
    if post is not None:
        return post
    post = StoryPostPageFactory(
        parent=parent,
        title=title,
        kind=kind,
        body=body,
        event_date=event_date,
        owner=owner,
        published=False,
        media=[photo_block(image, alt_text=f"{image.title}") for image in images],
    )
    post.save_revision(user=owner)
    post.get_workflow().start(post, owner)
    post.refresh_from_db()
    while approver is not None and post.current_workflow_task_state is not None:
        task_state = post.current_workflow_task_state
        task_state.task.specific.on_action(task_state, approver, "approve")
        post.refresh_from_db()
    if approver is not None:
        moment = datetime.datetime.combine(
            TERM_START + datetime.timedelta(days=days),
            datetime.time(15, 30),
            tzinfo=datetime.UTC,
        )
        StoryPostPage.objects.filter(pk=post.pk).update(
            first_published_at=moment, last_published_at=moment
        )
    return StoryPostPage.objects.get(pk=post.pk)


AGREEMENT = """
<p>Class pages let us share what your child's class learns, celebrates and plans. By
signing in you agree to use them as set out here.</p>
<h2>Everyone</h2>
<ul>
<li>Use your own account only; never share your sign-in or let a child use it.</li>
<li>Keep what you see here to yourself: do not copy, screenshot or post photos, video or
other pupils' information anywhere else, including social media.</li>
<li>Be kind and respectful; no bullying, harassment, discrimination or advertising.</li>
</ul>
<h2>Carers</h2>
<ul>
<li>Only adults with parental or care responsibility receive an invitation.</li>
<li>You decide whether your child appears in photos, video or audio, and can change your
mind at any time under "My children".</li>
<li>Class pages are not for messages: contact the school as described in "Contacting the
school". You can report a concern about a post.</li>
</ul>
<h2>Staff</h2>
<ul>
<li>Post regular reminders (PE, swimming, home learning, trips) and celebrations.</li>
<li>Never discuss an individual child's matters on a class page.</li>
<li>Only pupils whose carers consented may appear; every post is checked and approved
by a senior leader before it is published.</li>
</ul>
<p>Senior leaders review every class page regularly. Breaking this agreement can lead to
losing access.</p>
"""
RELATED_POLICIES = (
    "Anti-bullying policy",
    "Behaviour policy",
    "Safeguarding policy",
    "Parent/carer communication policy",
    "Data protection policy and privacy notice",
    "Online safety policy",
    "Complaints policy",
)


def _agreement(school):
    existing = PolicyPage.objects.child_of(school).first()
    if existing is not None:
        return existing
    page = PolicyPage(
        title="Class pages agreement",
        slug="class-pages-agreement",
        body=AGREEMENT.strip(),
        version=1,
        related_policies=[
            ("policy", {"title": title, "page": None, "url": ""}) for title in RELATED_POLICIES
        ],
    )
    school.add_child(instance=page)
    page.save_revision().publish()
    return PolicyPage.objects.get(pk=page.pk)


def build_demo_school(password):
    users = {username: _account(username, password) for username in ACCOUNTS}
    school = _school()
    users["leader"].groups.add(school.leaders_group)
    users["office"].groups.add(school.office_group)
    title, body = (
        "Contacting the school",
        "<p>Class pages are not a messaging service. Please contact the school office by "
        "phone or at the gate.</p>",
    )
    if not school.get_children().filter(title=title).exists():
        InformationPageFactory(parent=school, title=title, body=body)
    agreement = _agreement(school)

    oak = _class(school, "Oak", ClassPage.YearGroup.Y3)
    willow = _class(school, "Willow", ClassPage.YearGroup.Y4)
    users["teacher.oak"].groups.add(oak.teachers_group)
    users["teacher.willow"].groups.add(willow.teachers_group)

    amira = _pupil(school, "Amira", "Hassan")
    charlie = _pupil(school, "Charlie", "Evans")  # no photo consent
    dev = _pupil(school, "Dev", "Patel")
    for pupil, class_page in ((amira, oak), (charlie, oak), (dev, willow)):
        enrol(pupil, class_page)
    for carer, pupil in ((users["carer.oak"], amira), (users["carer.willow"], dev)):
        # A rerun restores the demo story, even a link someone ended while trying it.
        CarerLink.objects.filter(carer=carer, pupil=pupil).exclude(status="active").delete()
        link_carer(carer, pupil, source="demo")
    _consent(amira, users["carer.oak"])
    _consent(dev, users["carer.willow"])
    _consent(charlie, users["office"], photo=False, method=ConsentRecord.Method.PAPER)

    volcano = _image(oak.collection, "Volcano display", (160, 60, 40), no_identifiable_pupil=True)
    painting = _image(oak.collection, "Amira painting", (60, 90, 170), pupils=[amira])
    relay = _image(willow.collection, "Relay race", (40, 140, 70), pupils=[dev])
    fossils = _image(oak.collection, "Museum fossils", (120, 120, 40), pupils=[amira])

    teacher_oak, teacher_willow = users["teacher.oak"], users["teacher.willow"]
    leader = users["leader"]
    _post(
        oak,
        "Our volcano experiments",
        StoryPostPage.Kind.LEARNING,
        "We made volcanoes erupt with bicarbonate of soda and vinegar.",
        [volcano],
        days=3,
        owner=teacher_oak,
        approver=leader,
    )
    _post(
        oak,
        "PE is on Tuesdays",
        StoryPostPage.Kind.REMINDER,
        "Please send PE kit in a named bag every Tuesday.",
        days=4,
        event_date=TERM_START + datetime.timedelta(days=8),
        owner=teacher_oak,
        approver=leader,
    )
    _post(
        oak,
        "Star painters",
        StoryPostPage.Kind.CELEBRATION,
        "Brilliant colour mixing in art this week!",
        [painting],
        days=10,
        owner=teacher_oak,
        approver=leader,
    )
    _post(
        willow,
        "Sports day practice",
        StoryPostPage.Kind.EVENT,
        "We practised the relay for sports day.",
        [relay],
        days=5,
        event_date=TERM_START + datetime.timedelta(days=19),
        owner=teacher_willow,
        approver=leader,
    )
    _post(
        willow,
        "Spelling homework",
        StoryPostPage.Kind.HOME_LEARNING,
        "This week's spellings are in book bags, due Friday.",
        days=6,
        event_date=TERM_START + datetime.timedelta(days=11),
        owner=teacher_willow,
        approver=leader,
    )
    story = SchoolStoryIndexPage.objects.child_of(school).get()
    _post(
        story,
        "Harvest festival thank you",
        StoryPostPage.Kind.CELEBRATION,
        "Thank you for your generous harvest donations.",
        days=12,
        owner=leader,
        approver=leader,
    )

    for user in users.values():
        accept(user, [agreement])
    _post(
        oak,
        "Trip to the museum",
        StoryPostPage.Kind.EVENT,
        "We visited the museum and saw real fossils.",
        [fossils],
        owner=teacher_oak,
    )
    return school
