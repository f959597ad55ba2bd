"""Template tags of the carer-facing pages."""

from django import template

from class_pages.media.photos import picture, watermarked
from class_pages.models import SchoolPage

register = template.Library()


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
