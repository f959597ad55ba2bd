"""The admin form of a story post: whatever ids the submitted media stream holds, each
photo and recording must be one the post may use (class_pages.post_media); anything
else is a form error that names nothing about the foreign object."""

import re

from wagtail.admin.forms import WagtailAdminPageForm

from .post_media import FOREIGN_MEDIA_MESSAGE, foreign_media_ids

# media-0-value-image, media-1-value-photos-2-value-image, media-3-value-recording
CHOOSER_KEY = re.compile(r"media-\d+-value(?:-photos-\d+-value)?-(?:image|recording)")


class StoryPostForm(WagtailAdminPageForm):
    def clean(self):
        cleaned = super().clean()
        stream = cleaned.get("media")
        if stream is None:
            return cleaned
        images, recordings = foreign_media_ids(self._guard(), stream.raw_data)
        if images or recordings:
            self.add_error("media", FOREIGN_MEDIA_MESSAGE)
            self._forget_ids({str(pk) for pk in images}, "image")
            self._forget_ids({str(pk) for pk in recordings}, "recording")
        return cleaned

    def _forget_ids(self, ids, field):
        """Blank those chooser values in the submitted data, so the form shown again
        does not render the foreign object (its title, its preview) in the editor."""
        data = self.data.copy()
        for key in list(data):
            if CHOOSER_KEY.fullmatch(key) and key.endswith(f"-{field}") and data[key] in ids:
                data[key] = ""
        self.data = data

    def _guard(self):
        from .access import guarding_page

        parent = self.parent_page if self.instance.pk is None else self.instance.get_parent()
        return guarding_page(parent.specific) if parent is not None else None
