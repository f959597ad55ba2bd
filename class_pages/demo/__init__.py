"""The demo school of DESIGN.md ("Demo Primary"), built from the factories: the school
and its classes here, its people in demo.people, what it shows in demo.content. Every
step finds what an earlier run made before creating anything, so running it again
changes nothing."""

from wagtail.models import Page, Site

from class_pages.agreements import accept
from class_pages.demo import content, people
from class_pages.factories import create_class, create_school
from class_pages.lifecycle import school_setup
from class_pages.models import ClassPage, SchoolPage
from class_pages.tree import SCHOOL_DEPTH

SCHOOL = "Demo Primary"


def build_demo_school(password):
    users = people.demo_accounts(password)
    school = _school()
    users["leader"].groups.add(school.leaders_group)
    users["office"].groups.add(school.office_group)
    content.contact_page(school)
    agreement = content.agreement(school)

    oak = _class(school, "Oak", ClassPage.YearGroup.Y3)
    willow = _class(school, "Willow", ClassPage.YearGroup.Y4)
    users["teacher.oak"].groups.add(oak.teachers_group)
    users["teacher.willow"].groups.add(willow.teachers_group)

    pupils = people.demo_pupils(school, users, oak, willow)
    images = content.demo_images(oak, willow, pupils)
    content.published_posts(school, oak, willow, users, images)
    for user in users.values():
        accept(user, [agreement])
    content.pending_post(oak, users, images)
    return school


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
    Page.objects.filter(depth=SCHOOL_DEPTH, slug="home", content_type__model="page").delete()
    school = SchoolPage.objects.get(pk=school.pk)
    school_setup.setup_school(school)  # idempotent: brings older demo data up to date
    return school


def _class(school, name, year_group):
    existing = ClassPage.objects.descendant_of(school).filter(class_name=name).first()
    return existing or create_class(school, name, year_group=year_group)
