"""A post as the composer sends it: the class, kind, title, text and date, and the
uploaded items in order with each one's alt text and pupils. Every id is looked up
again: the class among those the user may post to, each item among the user's own
uploads in that class's library (class_pages.media.post_media), each pupil among the
class's current pupils. Tags are saved on the items through the admin's own image and
media forms, then the post is built as an unsaved StoryPostPage."""

import re
from dataclasses import dataclass, field

from django import forms
from django.db import transaction
from django.utils.text import slugify
from wagtail.blocks import StreamValue
from wagtail.coreutils import find_available_slug
from wagtail.documents import get_document_model
from wagtail.documents.forms import get_document_form
from wagtail.images import get_image_model
from wagtail.images.forms import get_image_form

from class_pages.media.post_media import (
    FOREIGN_MEDIA_MESSAGE,
    allowed_media_ids,
    foreign_media_ids,
)
from class_pages.models import Enrolment, Pupil, StoryPostPage
from workflows.composer.access import postable_class, postable_classes

Kind = StoryPostPage.Kind
DATED_KINDS = {Kind.EVENT, Kind.REMINDER, Kind.HOME_LEARNING}
ITEM_KEY = re.compile(r"(photo|video|audio):(\d{1,12})")
NOT_IN_CLASS = "Tap only pupils of this class."
ALT_MAX = 250


class ComposerForm(forms.Form):
    class_page = forms.TypedChoiceField(
        label="Class",
        coerce=int,
        error_messages={"invalid_choice": "Choose one of your own classes."},
    )
    kind = forms.ChoiceField(
        label="What kind of post?", choices=Kind.choices, initial=Kind.LEARNING
    )
    title = forms.CharField(label="Title", max_length=255)
    body = forms.CharField(label="Text", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    event_date = forms.DateField(
        label="Date (the day of the event, or the deadline)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.classes = {page.pk: page for page in postable_classes(user)}
        self.fields["class_page"].choices = [(pk, page.title) for pk, page in self.classes.items()]
        if len(self.classes) == 1:
            self.fields["class_page"].initial = next(iter(self.classes))

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Kind.EVENT and not cleaned.get("event_date"):
            self.add_error("event_date", "An event needs its date.")
        if kind not in DATED_KINDS:
            cleaned["event_date"] = None
        return cleaned

    @property
    def guard(self):
        return self.classes.get(self.cleaned_data.get("class_page"))


@dataclass
class Item:
    """One uploaded photo or recording as the teacher described it."""

    kind: str
    obj: object
    alt_text: str
    pupil_ids: list
    nobody: bool
    errors: list = field(default_factory=list)

    @property
    def key(self):
        return f"{self.kind}:{self.obj.pk}"


class Composition:
    """The whole submitted composer: `is_valid()`, then `save_tags()` and `post()`."""

    def __init__(self, user, data):
        self.user = user
        self.data = data
        self.form = ComposerForm(user, data)
        self.items = []
        self.errors = []  # about the post as a whole
        self.class_pupils = []
        self.guard = None

    def is_valid(self):
        form_valid = self.form.is_valid()
        guard = self.guard = postable_class(self.user, self.data.get("class_page"))
        if guard is None:
            return False
        self.class_pupils = list(
            Pupil.objects.current()
            .filter(pk__in=Enrolment.objects.current().filter(class_page=guard).values("pupil"))
            .order_by("first_name", "last_name")
        )
        self.items = self._items(guard)
        return form_valid and not self.errors and not any(item.errors for item in self.items)

    def _items(self, guard):
        keys = [ITEM_KEY.fullmatch(key) for key in self.data.getlist("items")]
        if not all(keys):
            self.errors.append(FOREIGN_MEDIA_MESSAGE)
        keys = list(dict.fromkeys((m[1], int(m[2])) for m in keys if m))
        image_ids = {pk for kind, pk in keys if kind == "photo"}
        media_ids = {pk for kind, pk in keys if kind != "photo"}
        image_ids, media_ids = allowed_media_ids(guard, image_ids, media_ids)
        images = get_image_model().objects.filter(pk__in=image_ids, uploaded_by_user=self.user)
        recordings = get_document_model().objects.filter(
            pk__in=media_ids, uploaded_by_user=self.user
        )
        found = {("photo", obj.pk): obj for obj in images}
        found |= {(obj.kind, obj.pk): obj for obj in recordings}
        if any(key not in found for key in keys):
            self.errors.append(FOREIGN_MEDIA_MESSAGE)
        allowed_pupils = {str(pupil.pk) for pupil in self.class_pupils}
        items = []
        for kind, pk in keys:
            if (kind, pk) not in found:
                continue
            key = f"{kind}:{pk}"
            item = Item(
                kind,
                found[(kind, pk)],
                (self.data.get(f"alt-{key}") or "").strip(),
                self.data.getlist(f"pupils-{key}"),
                bool(self.data.get(f"nobody-{key}")),
            )
            if not item.alt_text:
                item.errors.append("Describe this for carers who use a screen reader.")
            elif len(item.alt_text) > ALT_MAX:
                item.errors.append(f"Keep the description under {ALT_MAX} characters.")
            if set(item.pupil_ids) - allowed_pupils:
                item.errors.append(NOT_IN_CLASS)
            items.append(item)
        return items

    @transaction.atomic
    def save_tags(self):
        """Each item's pupils and "no pupil is identifiable", through the admin's own form
        of that item (which limits pupils to those the user may tag)."""
        for item in self.items:
            form_class = (get_image_form if item.kind == "photo" else get_document_form)(
                type(item.obj), fields=["pupils", "no_identifiable_pupil"]
            )
            form = form_class(
                data={
                    "collection": str(item.obj.collection_id),
                    "pupils": item.pupil_ids,
                    "no_identifiable_pupil": "on" if item.nobody else "",
                },
                instance=item.obj,
                user=self.user,
            )
            if form.is_valid():
                form.save()
            else:
                item.errors += [error for errors in form.errors.values() for error in errors]
        if any(item.errors for item in self.items):
            transaction.set_rollback(True)
            return False
        return True

    def post(self):
        """The post as composed: an unsaved StoryPostPage, owned by the user."""
        cleaned, guard = self.form.cleaned_data, self.form.guard
        post = StoryPostPage(
            title=cleaned["title"],
            slug=find_available_slug(guard, slugify(cleaned["title"])[:50] or "post"),
            kind=cleaned["kind"],
            event_date=cleaned["event_date"],
            body=cleaned["body"],
            owner=self.user,
            live=False,
        )
        stream_block = StoryPostPage.media.field.stream_block
        post.media = StreamValue(stream_block, self.stream(), is_lazy=True)
        images, recordings = foreign_media_ids(guard, post.media.raw_data)
        if images or recordings:  # never, after _items; the post form's own rule, asked again
            raise ValueError(FOREIGN_MEDIA_MESSAGE)
        return post

    def stream(self):
        """Raw stream data: one photo, or a gallery of them; then each recording."""
        photos = [
            {"image": item.obj.pk, "alt_text": item.alt_text, "caption": ""}
            for item in self.items
            if item.kind == "photo"
        ]
        blocks = []
        if len(photos) == 1:
            blocks.append({"type": "photo", "value": photos[0]})
        elif photos:
            gallery = [{"type": "item", "value": photo} for photo in photos]
            blocks.append({"type": "gallery", "value": {"photos": gallery, "caption": ""}})
        for item in self.items:
            if item.kind != "photo":
                value = {"recording": item.obj.pk, "description": item.alt_text, "caption": ""}
                blocks.append({"type": item.kind, "value": value})
        return blocks

    def place_of(self, where):
        """The item key, "title" or "body" a finding's `where` points at ("" if none)."""
        if ITEM_KEY.fullmatch(where or ""):
            return where
        if where in ("Title", "Web address (slug)"):  # the slug is made from the title
            return "title"
        if where == "Body":
            return "body"
        numbered = re.findall(r"(Photo|Video|Audio) (\d+)", where or "")
        if where.startswith("Media") and numbered:
            match = numbered[-1]
            kind, number = match[0].lower(), int(match[1])
            of_kind = [item for item in self.items if item.kind == kind]
            if 0 < number <= len(of_kind):
                return of_kind[number - 1].key
        return ""
