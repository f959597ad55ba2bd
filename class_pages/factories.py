"""factory-boy factories for class_pages, seeded and deterministic; used by the tests and
by `manage.py seed_demo`. Posts are published through revisions, as in real use."""

import io

import factory
import wagtail_factories
from django.contrib.auth import get_user_model
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.models import Page, Site

from class_pages.models import (
    CarerLink,
    ClassImage,
    ClassIndexPage,
    ClassPage,
    ConsentRecord,
    Enrolment,
    InformationPage,
    Medium,
    Pupil,
    SchoolPage,
    SchoolStoryIndexPage,
    StoryPostPage,
)

DEFAULT_PASSWORD = "classpages-demo"  # noqa: S105 (the documented demo password)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@demo.invalid")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    password = factory.django.Password(DEFAULT_PASSWORD)


class SchoolPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = SchoolPage

    title = factory.Sequence(lambda n: f"School {n}")
    parent = factory.LazyFunction(Page.get_first_root_node)


class InformationPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = InformationPage

    title = factory.Sequence(lambda n: f"Information {n}")
    body = "<p>About the school.</p>"


class ClassIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ClassIndexPage

    title = "Classes"


class SchoolStoryIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = SchoolStoryIndexPage

    title = "Whole-school story"


class ClassPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = ClassPage

    class_name = factory.Sequence(lambda n: f"Class {n}")
    title = factory.LazyAttribute(lambda page: f"{page.class_name}, {page.academic_year}")
    year_group = ClassPage.YearGroup.Y3
    academic_year = "2026-27"


def generated_image_file(name="photo.png", size=(320, 240), colour=(40, 120, 80), faces=0):
    """A small PNG made on the spot: a coloured field with simple shapes."""
    picture = PILImage.new("RGB", size, colour)
    draw = ImageDraw.Draw(picture)
    width, height = size
    draw.rectangle((width // 8, height // 2, width // 2, height - 10), fill=(240, 200, 60))
    draw.ellipse((width // 2, height // 8, width - 20, height // 2), fill=(250, 250, 250))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return ImageFile(io.BytesIO(buffer.getvalue()), name=name)


class ClassImageFactory(wagtail_factories.ImageFactory):
    class Meta:
        model = ClassImage
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Photo {n}")
    file = factory.LazyFunction(generated_image_file)
    no_identifiable_pupil = False

    @factory.post_generation
    def pupils(image, create, extracted, **kwargs):
        if create and extracted:
            image.pupils.set(extracted)


def photo_block(image, alt_text="A photo from class", caption=""):
    return ("photo", {"image": image, "alt_text": alt_text, "caption": caption})


class StoryPostPageFactory(wagtail_factories.PageFactory):
    """A post; `published=True` (the default) publishes it through a revision, so the
    live-image record is built exactly as in real use."""

    class Meta:
        model = StoryPostPage
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Post {n}")
    kind = StoryPostPage.Kind.LEARNING
    body = "Today we learned something new."
    live = False

    @factory.post_generation
    def photos(post, create, extracted, **kwargs):
        if extracted:
            post.media = [photo_block(image) for image in extracted]
            if create:
                post.save()

    @factory.post_generation
    def published(post, create, extracted, **kwargs):
        if create and extracted is not False:
            post.save_revision().publish()
            post.refresh_from_db()


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    first_name = factory.Sequence(lambda n: f"Pupil{n}")
    last_name = factory.Sequence(lambda n: f"Surname{n}")


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    pupil = factory.SubFactory(PupilFactory)


class CarerLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CarerLink

    carer = factory.SubFactory(UserFactory)
    relationship = CarerLink.Relationship.PARENT

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # The register's one road to an active link (no-contact, ended links).
        from class_pages.register.carer_links import save_link

        return save_link(model_class(*args, **kwargs), source="factory")


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsentRecord

    medium = Medium.PHOTO
    given = True


def create_school(title, hostname=None, port=80, default_site=False):
    """A school with its "Classes" index and whole-school story, and (optionally) its own
    Wagtail Site; staff groups, collection and workflow follow from the signals."""
    school = SchoolPageFactory(title=title)
    ClassIndexPageFactory(parent=school)
    SchoolStoryIndexPageFactory(parent=school)
    if hostname:
        Site.objects.update_or_create(
            hostname=hostname,
            port=port,
            defaults={"root_page": school, "is_default_site": default_site, "site_name": title},
        )
    return SchoolPage.objects.get(pk=school.pk)


def create_class(school, class_name, year_group=ClassPage.YearGroup.Y3, academic_year="2026-27"):
    index = ClassIndexPage.objects.child_of(school).get()
    page = ClassPageFactory(
        parent=index, class_name=class_name, year_group=year_group, academic_year=academic_year
    )
    return ClassPage.objects.get(pk=page.pk)


def enrol(pupil, class_page):
    return Enrolment.objects.get_or_create(pupil=pupil, class_page=class_page)[0]


def give_consent(
    pupil,
    media=(Medium.PARTICIPATION, Medium.PHOTO, Medium.VIDEO, Medium.AUDIO),
    given=True,
    **kwargs,
):
    for medium in media:
        ConsentRecord.objects.create(pupil=pupil, medium=medium, given=given, **kwargs)
