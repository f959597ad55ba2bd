"""Template tags of the carer-facing pages: a page's story feed and its "This week"
strip (fetched here, inside the template's cached fragment, so a warm page costs no feed
query), the photos carers see, and where to send questions."""

from django import template

from class_pages.media.photos import picture, watermarked
from class_pages.models import SchoolPage
from class_pages.site import feed

register = template.Library()


@register.simple_tag(takes_context=True)
def story_feed(context, page):
    """The page of the feed of `page` (a class or the whole-school story) that the
    request asks for, its posts' photos and recordings attached."""
    return feed.story_feed(page, context["request"], per_page=page.posts_per_page)


@register.simple_tag
def this_week(page):
    """The live reminders, events and deadlines of the coming week below `page`."""
    return feed.this_week(page)


@register.simple_tag(takes_context=True)
def carer_picture(context, image):
    """(fallback rendition, WebP srcset) carers see of an image on this page (display
    sizes, watermarked if the school asks for it)."""
    if "carer_photo_school" not in context.render_context:
        page = context.get("page")
        school = SchoolPage.for_page(page) if page else None
        context.render_context["carer_photo_school"] = (school, watermarked(school))
    school, watermark = context.render_context["carer_photo_school"]
    return picture(image, school, watermark)


@register.simple_tag
def school_contact_page(page):
    """Where to send people who want to talk to the school (never a message form)."""
    school = SchoolPage.for_page(page) if page else None
    return school.contact_page() if school else None
