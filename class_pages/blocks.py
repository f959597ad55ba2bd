"""StreamField blocks of a story post: photos and galleries. The pupils who appear in a
photo are tagged on the image itself (ClassImage.pupils), so every use of the image
carries them."""

from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock


class PhotoBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(
        max_length=250,
        help_text="Describe the photo for carers who use a screen reader. No surnames.",
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/photo_block.html"


class GalleryBlock(blocks.StructBlock):
    photos = blocks.ListBlock(PhotoBlock(), min_num=1, max_num=30)
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "image"
        template = "blocks/gallery_block.html"


class StoryMediaBlock(blocks.StreamBlock):
    photo = PhotoBlock()
    gallery = GalleryBlock()


def photos_in_raw_stream(raw_blocks):
    """Yield (image_id, alt_text, caption) for every photo in a stream's raw JSON data,
    in order, without loading images. Galleries are flattened."""
    for block in raw_blocks or ():
        value = block.get("value") or {}
        if block.get("type") == "photo":
            yield from _photo(value)
        elif block.get("type") == "gallery":
            for item in value.get("photos") or ():
                # ListBlock items are {"type": "item", "value": ..., "id": ...} since 2.16
                yield from _photo(item.get("value", item) if isinstance(item, dict) else {})


def _photo(value):
    image_id = value.get("image")
    if isinstance(image_id, int):
        yield image_id, value.get("alt_text") or "", value.get("caption") or ""
