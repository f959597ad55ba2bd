"""The photos carers see: display sizes only (never the original), as JPEG/PNG and WebP
for phones, optionally watermarked with the school's name; the file view refuses carers
any other rendition."""

from PIL import Image, ImageDraw, ImageFont
from wagtail.images.image_operations import FilterOperation
from wagtail.models import Collection
from willow.plugins.pillow import PillowImage

from class_pages.tree import SCHOOL_DEPTH, school_path

DISPLAY_SPEC = "fill-800x600"
WATERMARKED_SPEC = f"{DISPLAY_SPEC}|watermark"
# Smaller and WebP versions for the srcset; widths in pixels, for the `w` descriptors.
SOURCE_SIZES = (("fill-400x300", 400), (DISPLAY_SPEC, 800))


def watermarked(school):
    from class_pages.models.school_settings import settings_for_school

    return school is not None and settings_for_school(school).watermark_carer_photos


def carer_photo_spec(school, watermark=None):
    """The fallback <img src> spec carers get for a school."""
    watermark = watermarked(school) if watermark is None else watermark
    return WATERMARKED_SPEC if watermark else DISPLAY_SPEC


def carer_source_specs(school, watermark=None):
    """[(spec, width)] of the WebP sources carers get for a school."""
    watermark = watermarked(school) if watermark is None else watermark
    suffix = "|watermark" if watermark else ""
    return [(f"{size}{suffix}|format-webp", width) for size, width in SOURCE_SIZES]


def carer_specs(school):
    """Every rendition spec a carer of this school may fetch."""
    watermark = watermarked(school)
    return {carer_photo_spec(school, watermark)} | {
        spec for spec, _ in carer_source_specs(school, watermark)
    }


def picture(image, school, watermark=None):
    """(fallback rendition, WebP srcset string) for one image."""
    watermark = watermarked(school) if watermark is None else watermark
    fallback = image.get_rendition(carer_photo_spec(school, watermark))
    srcset = ", ".join(
        f"{image.get_rendition(spec).url} {width}w"
        for spec, width in carer_source_specs(school, watermark)
    )
    return fallback, srcset


def school_of_image(image):
    """A school's collection sits just under the root collection, named after it."""
    collection = image.collection
    if collection.depth < SCHOOL_DEPTH:
        return None
    return Collection.objects.filter(path=school_path(collection.path)).first()


class WatermarkOperation(FilterOperation):
    """`watermark`: the school's name across the bottom of the picture."""

    def construct(self):
        pass

    def run(self, willow, image, env):
        collection = school_of_image(image)
        text = collection.name if collection else "Class pages"
        picture = willow.image.convert("RGBA")
        overlay = Image.new("RGBA", picture.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        size = max(12, picture.width // 28)
        font = ImageFont.load_default(size=size)
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        x = picture.width - (right - left) - size
        y = picture.height - (bottom - top) - size
        draw.rectangle(
            (x - size // 2, y - size // 3, picture.width, picture.height), fill=(0, 0, 0, 110)
        )
        draw.text((x, y - top), text, font=font, fill=(255, 255, 255, 230))
        return PillowImage(Image.alpha_composite(picture, overlay).convert("RGB"))
