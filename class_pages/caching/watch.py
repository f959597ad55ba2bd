"""The kinds of row in the invalidation table (class_pages.caching.invalidation) and how
each is wired: Watch (changes of a model, or of one of its many-to-many fields, carried by
Django's or Wagtail's signals, bump scopes) and Called (changes no signal carries: their
one writer calls the function itself). A row names its models by label, so the table is
declared before the app registry is ready; they are looked up when it is wired."""

import enum
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from wagtail.models import Page, get_page_models
from wagtail.signals import page_published, page_unpublished, post_page_move

from class_pages.caching.tokens import bump


class On(enum.Flag):
    SAVE = enum.auto()  # post_save
    DELETE = enum.auto()  # post_delete
    DELETING = enum.auto()  # pre_delete: what goes with it by cascade is still there
    M2M = enum.auto()  # m2m_changed of the row's field, once the change is made
    PUBLISH = enum.auto()  # Wagtail's page_published
    UNPUBLISH = enum.auto()  # page_unpublished
    MOVE = enum.auto()  # post_page_move


SAVE, DELETE, DELETING, M2M = On.SAVE, On.DELETE, On.DELETING, On.M2M
PUBLISH, UNPUBLISH, MOVE = On.PUBLISH, On.UNPUBLISH, On.MOVE

SIGNALS = {
    SAVE: post_save,
    DELETE: post_delete,
    DELETING: pre_delete,
    M2M: m2m_changed,
    PUBLISH: page_published,
    UNPUBLISH: page_unpublished,
    MOVE: post_page_move,
}
PAGE_SIGNALS = PUBLISH | UNPUBLISH | MOVE

PAGE = "wagtailcore.Page"


def _model(label):
    return apps.get_model(label)


@dataclass(frozen=True)
class Watch:
    """Changes of `model` (`on`) bump `scopes`. With M2M, `field` names the many-to-many
    field whose through table is watched. `along` names models whose rows are written
    only inside this row's change (their table needs no row of its own)."""

    model: str
    on: On
    scopes: tuple
    why: str
    field: str = ""
    along: tuple = ()

    def sender(self, change):
        model = _model(self.model)
        if self.field:
            return getattr(model, self.field).through
        # Wagtail sends its page signals with the page's own class: Page means any page.
        return None if model is Page and change in PAGE_SIGNALS else model

    def watched_models(self):
        """Every model whose table this row keeps fresh."""
        model = _model(self.model)
        watched = [getattr(model, self.field).through] if self.field else [model]
        if model is Page and not self.field:  # its signals come for every page type
            watched += get_page_models()
        return [*watched, *map(_model, self.along)]

    def scopes_for(self, instance, **kwargs):
        found = set()
        for scope in self.scopes:
            found.update([scope] if isinstance(scope, str) else scope(instance, **kwargs))
        return found

    def receiver(self):
        def changed(sender, instance, action="", **kwargs):
            if action and not action.startswith("post_"):
                return  # a many-to-many change about to happen
            bump(*self.scopes_for(instance, **kwargs))

        return changed

    def uids(self):
        return {
            change: f"cp_invalidation:{self.model}:{self.field}:{change.name}" for change in self.on
        }

    def connect(self):
        for change, uid in self.uids().items():
            SIGNALS[change].connect(
                self.receiver(), sender=self.sender(change), weak=False, dispatch_uid=uid
            )

    def disconnect(self):
        for change, uid in self.uids().items():
            SIGNALS[change].disconnect(sender=self.sender(change), dispatch_uid=uid)


@dataclass(frozen=True)
class Called:
    """Changes made where no signal is sent: `by` calls `function` itself."""

    model: str
    by: str
    function: object
    why: str

    def watched_models(self):
        return [_model(self.model)]

    def uids(self):
        return {}

    def connect(self):
        pass

    def disconnect(self):
        pass


def watched_models(table):
    """Every model whose table some row of `table` keeps fresh."""
    return {model for row in table for model in row.watched_models()}


def connect(table):
    uids = [uid for row in table for uid in row.uids().values()]
    if len(uids) != len(set(uids)):  # a second row would silently replace the first
        raise ImproperlyConfigured("two rows watch the same change of the same model")
    for row in table:
        row.connect()


def disconnect(table):
    for row in table:
        row.disconnect()
