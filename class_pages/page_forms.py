"""Admin forms of pages whose streams hold ids of other objects: whatever ids a submitted
form holds, each must be one that page may use, or it is a form error that names nothing
about the foreign object (choosers are only widgets).

* a story post: photos and recordings of its own class (class_pages.media.post_media);
  and its web address, made from the title for whoever may not type one;
* a school's agreement: related policy pages of its own school.

The page models name these forms (Wagtail's base_form_class), so this module leans only
on what sits below the models: the page tree's paths and the media rule."""

import re

from django.conf import settings
from django.utils.text import slugify
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.models import Page

from class_pages.media.post_media import FOREIGN_MEDIA_MESSAGE, foreign_media_ids
from class_pages.tree import SCHOOL_DEPTH, below, school_path

# media-0-value-image, media-1-value-photos-2-value-image, media-3-value-recording
CHOOSER_KEY = re.compile(r"media-\d+-value(?:-photos-\d+-value)?-(?:image|recording)")


class StoryPostForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        self._make_slug(cleaned.get("title") or "")
        stream = cleaned.get("media")
        if stream is None:
            return cleaned
        images, recordings = foreign_media_ids(self._guard(), stream.raw_data)
        if images or recordings:
            self.add_error("media", FOREIGN_MEDIA_MESSAGE)
            self._forget_ids({str(pk) for pk in images}, "image")
            self._forget_ids({str(pk) for pk in recordings}, "recording")
        return cleaned

    def _make_slug(self, title):
        """A new post's web address when the editor has no slug field (everyone but a
        superuser, StoryPostPage.promote_panels): from the title, unique among the post's
        siblings. Made once: an edit keeps it, whatever the submitted data holds, since
        the form has no field to take it."""
        if "slug" in self.fields or self.instance.pk is not None or self.parent_page is None:
            return
        allow_unicode = getattr(settings, "WAGTAIL_ALLOW_UNICODE_SLUGS", True)
        base = slugify(title, allow_unicode=allow_unicode)[:240].strip("-") or "post"
        slug, number = base, 1
        while not Page._slug_is_available(slug, self.parent_page, self.instance):
            number += 1
            slug = f"{base}-{number}"
        self.instance.slug = slug

    def _forget_ids(self, ids, field):
        """Blank those chooser values in the submitted data, so the form shown again
        does not render the foreign object (its title, its preview) in the editor."""
        data = self.data.copy()
        for key in list(data):
            if CHOOSER_KEY.fullmatch(key) and key.endswith(f"-{field}") and data[key] in ids:
                data[key] = ""
        self.data = data

    def _guard(self):
        """The post's parent: a class page or the whole-school story (the only parents
        a post may have), each the guard of its posts and the owner of their library."""
        parent = self.parent_page if self.instance.pk is None else self.instance.get_parent()
        return parent.specific if parent is not None else None


FOREIGN_PAGE_MESSAGE = "Choose a page of this school's own site."


class PolicyPageForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        stream = cleaned.get("related_policies")
        if stream is None:
            return cleaned
        chosen = [
            (block.get("value") or {}).get("page")
            for block in stream.raw_data
            if isinstance((block.get("value") or {}).get("page"), int)
        ]
        # An agreement's parent is its school (PolicyPage.parent_page_types).
        parent = self.parent_page if self.instance.pk is None else self.instance.get_parent()
        allowed = set()
        if parent is not None and parent.depth >= SCHOOL_DEPTH:
            school = school_path(parent.path)
            allowed = set(
                Page.objects.filter(below(school, include_self=True), pk__in=chosen).values_list(
                    "pk", flat=True
                )
            )
        if set(chosen) - allowed:
            self.add_error("related_policies", FOREIGN_PAGE_MESSAGE)
            data = self.data.copy()
            for key in list(data):
                if POLICY_PAGE_KEY.fullmatch(key) and data[key] not in {str(pk) for pk in allowed}:
                    data[key] = ""
            self.data = data
        return cleaned


POLICY_PAGE_KEY = re.compile(r"related_policies-\d+-value-page")
