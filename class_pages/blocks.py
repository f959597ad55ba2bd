"""StreamField blocks of a story post: photos, galleries, video and audio. The pupils who
appear in a medium are tagged on the medium itself (ClassImage.pupils, ClassMedia.pupils),
so every use of it carries them."""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
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


class RecordingBlock(blocks.StructBlock):
    recording = DocumentChooserBlock(help_text="A video or audio file from the class library.")
    description = blocks.CharBlock(
        max_length=250,
        help_text="What happens in it, for carers who cannot watch or listen. No surnames.",
    )
    caption = blocks.CharBlock(required=False, max_length=250)

    class Meta:
        icon = "media"
        template = "blocks/recording_block.html"


class StoryMediaBlock(blocks.StreamBlock):
    photo = PhotoBlock()
    gallery = GalleryBlock()
    video = RecordingBlock(icon="media", label="Video")
    audio = RecordingBlock(icon="media", label="Audio")


def recordings_in_raw_stream(raw_blocks):
    """Yield (kind, media_id, description, caption) for every video/audio block."""
    for block in raw_blocks or ():
        value = block.get("value") or {}
        if block.get("type") in ("video", "audio") and isinstance(value.get("recording"), int):
            yield (
                block["type"],
                value["recording"],
                value.get("description") or "",
                value.get("caption") or "",
            )


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
