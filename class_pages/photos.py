"""The photos carers see: one display size (never the original), optionally watermarked
with the school's name; the file view refuses carers any other rendition."""

from PIL import Image, ImageDraw, ImageFont
from wagtail.images.image_operations import FilterOperation
from willow.plugins.pillow import PillowImage

DISPLAY_SPEC = "fill-800x600"
WATERMARKED_SPEC = f"{DISPLAY_SPEC}|watermark"
CARER_SPECS = {DISPLAY_SPEC, WATERMARKED_SPEC}


def carer_photo_spec(school):
    from .models.school_settings import settings_for_school

    if school is not None and settings_for_school(school).watermark_carer_photos:
        return WATERMARKED_SPEC
    return DISPLAY_SPEC


def school_of_image(image):
    """A school's collection sits just under the root collection, named after it."""
    return image.collection.get_ancestors(inclusive=True).filter(depth=2).first()


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
