"""Remembered access decisions: of the authorising file view (/files/<name>) and of the
page access check (class_pages.wagtail_hooks).

Deciding whether someone may fetch a stored file takes about ten queries, a class page
two. A "yes" is kept in the cache for that person and that file or page together with the
tokens it was decided under (class_pages.caching.tokens): the person's own token (grants,
carer links, groups, account), the token of the school the file or page belongs to
(anything published, unpublished, deleted or moved there, its settings, its pupils'
consent) and the token of staff permissions. Any bump of one of them makes the next
request decide again from the database. Tokens are read before deciding, so a change
during a decision can never be stored as current. Only "yes" is remembered: a refusal is
always decided afresh."""

from django.core.cache import cache
from django.utils import timezone

from class_pages.caching.tokens import PERMISSIONS_SCOPE, school_scope, user_scope, versions_and

DECISION_SECONDS = 600
# Stored names are random and never reused, so the school a file belongs to never changes:
# each process keeps the answers it has seen (up to this many names).
_SCHOOL_OF_FILE = {}
SCHOOL_OF_FILE_LIMIT = 50_000


def _school_key(name):
    return f"class-pages:file-school:{name}"


def _decision_key(user_id, subject):
    # The day is part of the key: an enrolment or consent can end by date, with nothing
    # written that would replace a token, so every "yes" is decided afresh each day.
    return f"class-pages:access-ok:{user_id}:{subject}:{timezone.localdate().isoformat()}"


def _scopes(user_id, school_path):
    return (user_scope(user_id), school_scope(school_path), PERMISSIONS_SCOPE)


def file_allowed(user, name, school_path_of, decide):
    """Whether `user` may fetch the stored file `name`.

    `school_path_of(name)` gives the tree path of the file's school (None if the file is
    unknown) and `decide(user, name)` the answer from the database; both run only when no
    current remembered "yes" exists. Stored names are random and never reused, so a file's
    school is remembered without expiry."""
    school_path = _SCHOOL_OF_FILE.get(name)
    if school_path is None:
        school_key = _school_key(name)
        school_path = cache.get(school_key)
        if school_path is None:
            school_path = school_path_of(name)
            if school_path is None:
                return decide(user, name)
            cache.set(school_key, school_path, timeout=None)
        if len(_SCHOOL_OF_FILE) >= SCHOOL_OF_FILE_LIMIT:
            _SCHOOL_OF_FILE.clear()
        _SCHOOL_OF_FILE[name] = school_path
    return _remembered(user, _decision_key(user.pk, f"file:{name}"), school_path, decide, name)


def page_allowed(user, guard, decide):
    """Whether `user` may see pages guarded by `guard` (a ClassPage or the school story):
    `decide(user, guard)` runs only when no current remembered "yes" exists."""
    decision_key = _decision_key(user.pk, f"page:{guard.pk}")
    return _remembered(user, decision_key, guard.path, decide, guard)


def _remembered(user, decision_key, school_path, decide, subject):
    """The remembered answer and the current tokens, read in one round trip."""
    tokens, found = versions_and(_scopes(user.pk, school_path), [decision_key])
    if found.get(decision_key) == tokens:
        return True
    allowed = decide(user, subject)
    if allowed:
        cache.set(decision_key, tokens, timeout=DECISION_SECONDS)
    return allowed
