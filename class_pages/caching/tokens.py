"""The version-token service: every cached answer in class_pages is stored under the
tokens of the scopes it depends on, and a change anywhere in a scope gives that scope a
new token (bump), so every answer stored under the old one is never matched again.

Four consumers read tokens here:

* story feed fragments (a class page's feed, the school story's): Wagtail's
  `{% wagtailpagecache %}` key includes the token of the feed's own page and of its
  school (FeedCacheKeyMixin);
* remembered file decisions and remembered page decisions
  (class_pages.access.remembered): the person's token, the school's, and staff
  permissions';
* the signed-in person (cms.accounts.sign_in) under the person's token, and the
  agreement gate (class_pages.agreements) under the agreements token.

What bumps which scope is declared in one table, class_pages.caching.invalidation. Who
may see a feed is decided on every request before the cache is consulted; the cache only
holds what every viewer of that page sees alike. Tokens are random, so a token lost from
the cache can never revive an old answer. Each bump happens at once and again after
commit, so an answer computed from data read before the commit cannot be stored under
the new token either."""

import threading
import uuid

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import transaction

from class_pages import tree

# A fragment lives at most this long even if nothing bumps it (seconds).
FRAGMENT_TIMEOUT = 600


def _key(scope):
    return f"class-pages:feed-version:{scope}"


# --- the scopes --------------------------------------------------------------------------


def feed_scope(path):
    """The feed of the page at this tree path (paths need no query, unlike parents)."""
    return f"feed:{path}"


def school_scope(path):
    """The school of any page, by the first step of the page's tree path (no query)."""
    return f"school:{tree.school_path(path)}"


def user_scope(user_id):
    """Everything that changes what one person may see: grants, links, groups, account."""
    return f"user:{user_id}"


# Staff see files through collection permissions given to groups: rare changes, all users.
PERMISSIONS_SCOPE = "permissions"
# Which agreements anyone must accept (any school: one token for all, rare changes).
AGREEMENTS_SCOPE = "agreements"


# --- reading and renewing tokens ----------------------------------------------------------
# Within one request a token is read from the cache once (the person's token serves the
# sign-in, the page and every file decision of that request); bumps update it. Outside
# requests (workers, commands) nothing is remembered.
_request = threading.local()


def _start_request(**kwargs):
    _request.tokens = {}


def _end_request(**kwargs):
    _request.tokens = None


request_started.connect(_start_request, dispatch_uid="class_pages_tokens_start")
request_finished.connect(_end_request, dispatch_uid="class_pages_tokens_end")


def versions(*scopes):
    """The current token of each scope (made on first use), in order."""
    return versions_and(scopes)[0]


def versions_and(scopes, other_keys=()):
    """The tokens of `scopes` and, read in the same round trip to the cache, the values
    of `other_keys`: (tokens in order, {key: value found})."""
    keys = [_key(scope) for scope in scopes]
    memo = getattr(_request, "tokens", None)
    known = memo if memo is not None else {}
    missing = [key for key in keys if key not in known]
    wanted = [*missing, *other_keys]
    found = cache.get_many(wanted) if wanted else {}
    others = {key: found[key] for key in other_keys if key in found}
    tokens = []
    for key in keys:
        token = known.get(key) or found.get(key)
        if token is None:
            # add() is atomic in Redis, check-then-write in the file cache: two processes
            # making a scope's first token may both write it. Harmless: the later write
            # wins, and an answer stored under the lost token never matches again.
            cache.add(key, uuid.uuid4().hex, timeout=None)
            token = cache.get(key)
        if token is None:  # a cache that keeps nothing (DummyCache): nothing ever matches
            token = uuid.uuid4().hex
        if memo is not None:
            memo[key] = token
        tokens.append(token)
    return tokens, others


def bump(*scopes):
    """Give the scopes new tokens now and again once the transaction commits."""
    scopes = set(scopes)
    if not scopes:
        return

    def renew():
        tokens = {_key(scope): uuid.uuid4().hex for scope in scopes}
        cache.set_many(tokens, timeout=None)
        memo = getattr(_request, "tokens", None)
        if memo is not None:
            memo.update(tokens)

    renew()
    transaction.on_commit(renew)


# --- the feeds' cache key --------------------------------------------------------------


class FeedCacheKeyMixin:
    """For pages that show a story feed: their Wagtail cache key changes with the tokens
    of the page and of its school (looked up once per page instance, i.e. per request)."""

    def get_cache_key_components(self):
        if not hasattr(self, "_feed_versions"):
            self._feed_versions = versions(feed_scope(self.path), school_scope(self.path))
        return [*super().get_cache_key_components(), *self._feed_versions]


def cacheable_page_number(request):
    """The feed page asked for, when it is a plain small number (the cache keeps those);
    None for anything else, which is rendered without the cache."""
    raw = request.GET.get("page", "1")
    return raw if raw.isdigit() and len(raw) <= 4 else None
