"""Who may see and do what: the one place that decides it.

* `roles`: who is leader, office, teacher or carer where, and the one rule for
  superusers, inactive accounts and pupils who left.
* `grants`: carers' class grants (guardian `view_classpage`), derived from the register.
* `pages`: page decisions (which page guards a page; class, whole-school story, "My
  classes").
* `files`: file decisions for the authorising file view (originals, renditions,
  recordings).
* `admin_scope`: what staff work on in the admin (register schools and classes,
  taggable pupils).
* `remembered`: remembered "yes" answers of the page and file decisions.
* `two_factor`: who must prove a second factor at sign-in (by their roles).
* `admin_guards`, `chooser`, `admin_urls`: stock admin views that must not name pages
  the user may not explore.

The names below are what callers imported from `class_pages.access` before it was split
(issue 15), kept as the package's API so that `from class_pages.access import
can_view_page` goes on working; newer names (the roles, the file decision) are imported
from their module, and modules inside the package import from each other.
"""

from class_pages.access.admin_scope import register_classes, register_schools, taggable_pupils
from class_pages.access.grants import (
    granted_class_ids,
    rebuild_all_access,
    sync_carer_access,
    sync_carers_of_pupils,
)
from class_pages.access.pages import (
    can_view_class,
    can_view_page,
    can_view_school_story,
    guarding_page,
    visible_classes,
)

__all__ = [
    "can_view_class",
    "can_view_page",
    "can_view_school_story",
    "granted_class_ids",
    "guarding_page",
    "rebuild_all_access",
    "register_classes",
    "register_schools",
    "sync_carer_access",
    "sync_carers_of_pupils",
    "taggable_pupils",
    "visible_classes",
]
