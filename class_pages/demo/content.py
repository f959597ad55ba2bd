"""What the demo school shows: its agreement and contact page, generated photos, and
the posts of the story (published through the school's workflow, dated from the start
of term, and one still waiting for a leader)."""

import datetime

from class_pages.factories import (
    ClassImageFactory,
    InformationPageFactory,
    StoryPostPageFactory,
    generated_image_file,
    photo_block,
)
from class_pages.models import ClassImage, PolicyPage, SchoolStoryIndexPage, StoryPostPage

TERM_START = datetime.date(2026, 9, 7)

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
CONTACT_TITLE = "Contacting the school"
CONTACT_BODY = (
    "<p>Class pages are not a messaging service. Please contact the school office by "
    "phone or at the gate.</p>"
)


def contact_page(school):
    if not school.get_children().filter(title=CONTACT_TITLE).exists():
        InformationPageFactory(parent=school, title=CONTACT_TITLE, body=CONTACT_BODY)


def agreement(school):
    """The school's class pages agreement, published (version 1)."""
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


def demo_images(oak, willow, pupils):
    """The generated photos, in their class collections, tagged as the story needs."""
    amira, dev = pupils["Amira"], pupils["Dev"]
    return {
        "volcano": _image(
            oak.collection, "Volcano display", (160, 60, 40), no_identifiable_pupil=True
        ),
        "painting": _image(oak.collection, "Amira painting", (60, 90, 170), pupils=[amira]),
        "relay": _image(willow.collection, "Relay race", (40, 140, 70), pupils=[dev]),
        "fossils": _image(oak.collection, "Museum fossils", (120, 120, 40), pupils=[amira]),
    }


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


def published_posts(school, oak, willow, users, images):
    """The posts carers see: written by the class teachers (one by the leader, for the
    whole school) and approved by the leader."""
    teacher_oak, teacher_willow = users["teacher.oak"], users["teacher.willow"]
    leader = users["leader"]
    _post(
        oak,
        "Our volcano experiments",
        StoryPostPage.Kind.LEARNING,
        "We made volcanoes erupt with bicarbonate of soda and vinegar.",
        [images["volcano"]],
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
        [images["painting"]],
        days=10,
        owner=teacher_oak,
        approver=leader,
    )
    _post(
        willow,
        "Sports day practice",
        StoryPostPage.Kind.EVENT,
        "We practised the relay for sports day.",
        [images["relay"]],
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
    _post(
        SchoolStoryIndexPage.objects.child_of(school).get(),
        "Harvest festival thank you",
        StoryPostPage.Kind.CELEBRATION,
        "Thank you for your generous harvest donations.",
        days=12,
        owner=leader,
        approver=leader,
    )


def pending_post(oak, users, images):
    """The Oak post waiting for the leader's approval."""
    return _post(
        oak,
        "Trip to the museum",
        StoryPostPage.Kind.EVENT,
        "We visited the museum and saw real fossils.",
        [images["fossils"]],
        owner=users["teacher.oak"],
    )


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
