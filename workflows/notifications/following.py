"""Who follows which place, and how often they want to hear about it. A place is a class
page or a school's whole-school story; a carer follows it through their children (a grant
on the class, or an active link to a current pupil of the school), and chooses an e-mail
per new post, a daily digest, or none (workflows.models.notifications keeps the choice).
Staff are never followers: they see every post in the admin already."""

from django.contrib.auth import get_user_model
from wagtail.models import Page

from class_pages.access import can_view_page, granted_class_ids, guarding_page, visible_classes
from class_pages.models import (
    CarerLink,
    ClassPage,
    ClassPageUserObjectPermission,
    SchoolPage,
    SchoolStoryIndexPage,
)
from workflows.models.notifications import DEFAULT_FREQUENCY, NotificationPreference


def is_place(page):
    return isinstance(page, ClassPage | SchoolStoryIndexPage)


def place_name(place):
    if isinstance(place, SchoolStoryIndexPage):
        school = SchoolPage.for_page(place)
        return f"{place.title}, {school.title}" if school else place.title
    return place.title


def _carer_links_at(school):
    return CarerLink.objects.active().filter(pupil__school=school, pupil__left_on__isnull=True)


def is_carer_of_place(user, place):
    """The user follows the place as a carer: a grant on the class (derived from their
    children's enrolments), or an active link to a current pupil of the school."""
    if isinstance(place, ClassPage):
        return place.pk in granted_class_ids(user)
    school = SchoolPage.for_page(place)
    return school is not None and _carer_links_at(school).filter(carer=user).exists()


def may_hear_about(user, place):
    return user.is_active and is_carer_of_place(user, place) and can_view_page(user, place)


def carer_places(user):
    """[(school, [place, ...]), ...]: the live places the user sees as a carer, the
    whole-school story first. Staff see more classes, but e-mails are for carers only:
    leaders and teachers already see every post in the admin."""
    if not (user.is_authenticated and user.is_active):
        return []
    classes = visible_classes(user).live().filter(pk__in=granted_class_ids(user))
    schools = SchoolPage.objects.filter(
        pk__in=CarerLink.objects.active()
        .filter(carer=user, pupil__left_on__isnull=True)
        .values("pupil__school")
    ).order_by("title", "pk")
    grouped = {}
    for school in schools:
        stories = SchoolStoryIndexPage.objects.child_of(school).live()
        grouped[school.pk] = (school, [s for s in stories if can_view_page(user, s)])
    for class_page in classes.order_by("title", "pk"):
        school = SchoolPage.for_page(class_page)
        if school is not None:
            grouped.setdefault(school.pk, (school, []))[1].append(class_page)
    return [(school, places) for school, places in grouped.values() if places]


def carers_following(place):
    """Active carers with an e-mail address who follow the place (access is checked
    again by the caller at send time)."""
    if isinstance(place, ClassPage):
        holders = ClassPageUserObjectPermission.objects.filter(
            content_object=place, permission__codename="view_classpage"
        ).values("user")
    else:
        school = SchoolPage.for_page(place)
        if school is None:
            return []
        holders = _carer_links_at(school).values("carer")
    users = get_user_model().objects.filter(pk__in=holders, is_active=True).exclude(email="")
    return [user for user in users.order_by("pk") if may_hear_about(user, place)]


def frequencies(carers, place):
    chosen = dict(
        NotificationPreference.objects.filter(place=place, carer__in=carers).values_list(
            "carer_id", "frequency"
        )
    )
    return {carer.pk: chosen.get(carer.pk, DEFAULT_FREQUENCY) for carer in carers}


def frequency_for(carer, place):
    return frequencies([carer], place)[carer.pk]


def set_frequency(carer, place, frequency):
    NotificationPreference.objects.update_or_create(
        carer=carer, place=place, defaults={"frequency": frequency}
    )


def open_place(post):
    """The place of a live post if carers could read the post there now, else None."""
    if post is None or not post.live:
        return None
    if Page.objects.ancestor_of(post).filter(depth__gte=2, live=False).exists():
        return None
    guard = guarding_page(post)
    return guard if guard is not None and guard.live and is_place(guard) else None
