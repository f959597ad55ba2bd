"""Which classes a member of staff may write a post for: the classes they teach or lead
in which Wagtail's own permission tester lets them add a page. Every class id the
composer receives is looked up here, never trusted."""

from class_pages.access.roles import classes_led_by, classes_taught_by


def postable_classes(user):
    """The user's classes (taught, or of schools led) where they may add a post, by title."""
    if not (user.is_authenticated and user.is_active):
        return []
    staff_classes = (classes_taught_by(user) | classes_led_by(user)).distinct().order_by("title")
    return [
        class_page
        for class_page in staff_classes
        if class_page.permissions_for_user(user).can_add_subpage()
    ]


def postable_class(user, class_id):
    """The class with this id if the user may write a post for it, else None."""
    try:
        class_id = int(class_id)
    except (TypeError, ValueError):
        return None
    return next((page for page in postable_classes(user) if page.pk == class_id), None)


def may_write(user):
    return bool(postable_classes(user))
