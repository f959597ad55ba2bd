"""Template tags of the carer-facing pages."""

from django import template

from ..models import SchoolPage
from ..photos import carer_photo_spec

register = template.Library()


@register.simple_tag(takes_context=True)
def carer_rendition(context, image):
    """The rendition carers see of an image on this page (display size, watermarked if
    the school asks for it)."""
    page = context.get("page")
    if "carer_photo_spec" not in context:
        context["carer_photo_spec"] = carer_photo_spec(SchoolPage.for_page(page) if page else None)
    return image.get_rendition(context["carer_photo_spec"])


@register.simple_tag
def school_contact_page(page):
    """Where to send people who want to talk to the school (never a message form)."""
    school = SchoolPage.for_page(page) if page else None
    return school.contact_page() if school else None
