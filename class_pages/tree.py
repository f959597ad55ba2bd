"""The only place that does page-path arithmetic (treebeard's materialised path).

Every page (and collection) has a `path` of STEPLEN characters per level: the root is at
depth 1, a school at depth 2, its class index and whole-school story at 3, a class at 4,
a post at 5. A page's ancestors are prefixes of its path, so "which school, which class,
which parent" needs no query; "everything below" is a prefix match.

Pages and collections use the same step length (treebeard's default of 4); the check
below says so at import, so a change of either fails loudly instead of answering wrong.
"""

from django.db.models import F, Q
from django.db.models.functions import Length, Substr
from wagtail.models import Collection, Page

STEPLEN = Page.steplen
if Collection.steplen != STEPLEN:
    raise ImportError("pages and collections must share one step length")

ROOT_DEPTH = 1
SCHOOL_DEPTH = 2
SECTION_DEPTH = 3  # a school's class index and whole-school story
CLASS_DEPTH = 4
POST_DEPTH = 5


def ancestor_path(path, depth):
    """The path of the ancestor at `depth` (or the path itself if it is that deep)."""
    return path[: depth * STEPLEN]


def school_path(path):
    """The path of the school (depth 2) of the page or collection at `path`."""
    return ancestor_path(path, SCHOOL_DEPTH)


def parent_path(path):
    """The path of the parent of the page at `path`."""
    return path[:-STEPLEN]


def depth_of(path):
    return len(path) // STEPLEN


def child_path(parent, position):
    """The path of the `position`-th child (from 1) of `parent` (a page or a path), as
    treebeard numbers them: for rows made in bulk without treebeard's add_child()."""
    path = parent if isinstance(parent, str) else parent.path
    return Page._get_path(path, depth_of(path) + 1, position)


def below(node, field="path", include_self=False):
    """Q for the nodes under `node` (a page or collection, or a path), by `field` (e.g.
    "post__path" to filter rows by their post's place)."""
    path = node if isinstance(node, str) else node.path
    condition = Q(**{f"{field}__startswith": path})
    if not include_self:
        condition &= ~Q(**{field: path})
    return condition


def is_below(node, ancestor, include_self=False):
    """Is `node` (a page or collection, or a path) under `ancestor` (the same)? The
    in-memory twin of below(), for one object already loaded."""
    path = node if isinstance(node, str) else node.path
    top = ancestor if isinstance(ancestor, str) else ancestor.path
    return path.startswith(top) and (include_self or path != top)


def children_of(node, field="path", depth_field="depth"):
    """Q for the direct children of `node` (a page or a path), by `field` and the rows'
    `depth_field` (e.g. "post__depth")."""
    path = node if isinstance(node, str) else node.path
    return Q(**{f"{field}__startswith": path, depth_field: depth_of(path) + 1})


def parent_path_sql(field="path"):
    """SQL for the parent's path of each row's page (`field` names the path column)."""
    return Substr(field, 1, Length(field) - STEPLEN)


def parent_path_by_depth_sql(field="path", depth_field="depth"):
    """SQL for the parent's path from the row's depth (cheaper where depth is indexed)."""
    return Substr(field, 1, (F(depth_field) - 1) * STEPLEN)


def school_path_sql(field="path"):
    """SQL for the school's path of each row's page."""
    return Substr(field, 1, SCHOOL_DEPTH * STEPLEN)
