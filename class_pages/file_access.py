"""Remembered decisions of the authorising file view (/files/<name>).

Deciding whether someone may fetch a stored file takes about ten queries. A "yes" is kept
in the cache for that person and that file together with the tokens it was decided under
(class_pages.feed_cache): the person's own token (grants, carer links, groups, account),
the token of the school the file belongs to (anything published, unpublished, deleted or
moved there, its settings, its pupils' consent) and the token of staff permissions. Any
bump of one of them makes the next request decide again from the database. Tokens are
read before deciding, so a change during a decision can never be stored as current. Only
"yes" is remembered: a refusal is always decided afresh."""

from django.core.cache import cache

from .feed_cache import PERMISSIONS_SCOPE, school_scope, user_scope, versions

DECISION_SECONDS = 600


def _school_key(name):
    return f"class-pages:file-school:{name}"


def _decision_key(user_id, name):
    return f"class-pages:file-ok:{user_id}:{name}"


def _tokens(user_id, school_path):
    return versions(user_scope(user_id), school_scope(school_path), PERMISSIONS_SCOPE)


def file_allowed(user, name, school_path_of, decide):
    """Whether `user` may fetch the stored file `name`.

    `school_path_of(name)` gives the tree path of the file's school (None if the file is
    unknown) and `decide(user, name)` the answer from the database; both run only when no
    current remembered "yes" exists. Stored names are random and never reused, so a file's
    school is remembered without expiry."""
    school_key, decision_key = _school_key(name), _decision_key(user.pk, name)
    found = cache.get_many([school_key, decision_key])
    school_path = found.get(school_key)
    if school_path is None:
        school_path = school_path_of(name)
        if school_path is None:
            return decide(user, name)
        cache.set(school_key, school_path, timeout=None)
    tokens = _tokens(user.pk, school_path)
    if found.get(decision_key) == tokens:
        return True
    allowed = decide(user, name)
    if allowed:
        cache.set(decision_key, tokens, timeout=DECISION_SECONDS)
    return allowed
