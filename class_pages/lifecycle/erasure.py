"""Erasing a pupil on a valid request: media where they are the only one tagged are
deleted (files too, after commit), their tags removed from shared media, live posts left
without any media, or naming them, are unpublished for the teacher's review, and their
record goes with its enrolments, consents, links and invitations. What remains is an
ErasureRecord with counts and no personal data."""

import re

from django.db import transaction
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from class_pages.models import ErasureRecord, LiveImageUse, LiveMediaUse, SchoolPage, StoryPostPage


def _sole_and_shared(model, pupil):
    tagged = model.objects.filter(pupils=pupil).prefetch_related("pupils")
    sole = [item for item in tagged if [p.pk for p in item.pupils.all()] == [pupil.pk]]
    shared = [item for item in tagged if item not in sole]
    return sole, shared


def _posts_to_review(pupil, school, emptied_posts):
    """Live posts of the school that lose all their media, or name the pupil."""
    name = re.compile(rf"(?<!\w){re.escape(pupil.first_name)}(?!\w)", re.IGNORECASE)
    review = set(emptied_posts)
    for post in StoryPostPage.objects.descendant_of(school).live():
        if name.search(post.title) or name.search(post.body or ""):
            review.add(post.pk)
    return StoryPostPage.objects.filter(pk__in=review, live=True)


@transaction.atomic
def erase_pupil(pupil, by):
    school = SchoolPage.objects.get(pk=pupil.school_id)
    images_sole, images_shared = _sole_and_shared(get_image_model(), pupil)
    media_sole, media_shared = _sole_and_shared(get_document_model(), pupil)
    doomed_images = {image.pk for image in images_sole}
    doomed_media = {item.pk for item in media_sole}
    # Live posts whose every image and recording is about to go.
    emptied = []
    for post in StoryPostPage.objects.descendant_of(school).live():
        images, media = post.image_ids(), post.media_ids()
        if (images or media) and images <= doomed_images and media <= doomed_media:
            emptied.append(post.pk)
    review = list(_posts_to_review(pupil, school, emptied))
    for post in review:
        # Leaders hold no publish rights; erasure takes the post down on their authority.
        UnpublishPageAction(post, user=by).execute(skip_permission_checks=True)
    for item in (*images_shared, *media_shared):
        item.pupils.remove(pupil)
    for item in (*images_sole, *media_sole):
        item.delete()  # files and renditions leave storage after commit
    LiveImageUse.objects.filter(image_id__in=doomed_images).delete()
    LiveMediaUse.objects.filter(media_id__in=doomed_media).delete()
    pupil.delete()  # enrolments, consents, carer links, invitations go with it
    return ErasureRecord.objects.create(
        school=school,
        erased_by=by,
        media_deleted=len(images_sole) + len(media_sole),
        tags_removed=len(images_shared) + len(media_shared),
        posts_unpublished=len(review),
    )
