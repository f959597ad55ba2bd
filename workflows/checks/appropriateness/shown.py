"""Every text a page shows a carer, as (where, text) pairs, found generically so that a
new field or block is checked without anyone remembering to add it: every text field of
the model (title, SEO title, search description, slug, body...), every text value
anywhere in its StreamFields (whatever the block type: alt texts, captions, gallery
captions, descriptions...), the links of rich text, and the same for child objects."""

import html
import re

from django.db import models
from modelcluster.models import get_all_child_relations
from wagtail import blocks
from wagtail.fields import RichTextField, StreamField

# Text fields no carer sees, each for a reason. Anything else is checked.
NOT_SHOWN = {
    "path": "the page's place in the tree, made of digits",
    "draft_title": "the admin's copy of the title (the title itself is checked)",
    "url_path": "the slugs of the post and the pages above it (the post's slug is checked)",
}
# Child objects no carer sees: reviewers' comments in the editor.
NOT_SHOWN_RELATIONS = {"wagtail_admin_comments", "comments"}
LABELS = {
    "seo_title": "SEO title (the browser tab's title)",
    "search_description": "Search description",
    "slug": "Web address (slug)",
}
BLOCK_TAGS = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|br|div|blockquote|hr|figure|figcaption)\b[^>]*>")
TAG = re.compile(r"<[^>]*>")
HREF = re.compile(r"""\bhref\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)


def shown_texts(instance, where=""):
    """Yield (where, text) for every text `instance` (a page or a child object) shows."""
    for field in type(instance)._meta.concrete_fields:
        label = _join(where, LABELS.get(field.name, _capitalised(field.verbose_name)))
        value = getattr(instance, field.attname, None)
        if isinstance(field, StreamField):
            yield from block_texts(field.stream_block, _raw(value), label)
        elif isinstance(field, RichTextField):
            yield from rich_texts(label, value)
        elif is_free_text(field):
            yield label, value or ""
    for relation in get_all_child_relations(type(instance)):
        name = relation.get_accessor_name()
        if name in NOT_SHOWN_RELATIONS:
            continue
        for number, child in enumerate(getattr(instance, name).all(), 1):
            label = _capitalised(relation.related_model._meta.verbose_name)
            yield from shown_texts(child, _join(where, f"{label} {number}"))


def is_free_text(field):
    """A field whose value is typed text (not a choice from a fixed list)."""
    return (
        isinstance(field, (models.CharField, models.TextField))
        and not field.choices
        and field.name not in NOT_SHOWN
    )


def block_texts(block, raw, where):
    """Yield (where, text) for every text value in a block's raw (JSON) value."""
    if isinstance(block, blocks.StreamBlock):
        counts = {}
        for item in raw or ():
            child = block.child_blocks.get(item.get("type")) if isinstance(item, dict) else None
            if child is None:
                continue
            counts[child.name] = counts.get(child.name, 0) + 1
            label = _join(where, f"{child.label} {counts[child.name]}")
            yield from block_texts(child, item.get("value"), label)
    elif isinstance(block, blocks.ListBlock):
        label = _capitalised(block.child_block.label or _singular(block.label) or "item")
        for number, item in enumerate(raw or (), 1):
            value = item["value"] if block._item_is_in_block_format(item) else item
            yield from block_texts(block.child_block, value, _join(where, f"{label} {number}"))
    elif isinstance(block, blocks.StructBlock):
        raw = raw if isinstance(raw, dict) else {}
        for name, child in block.child_blocks.items():
            # A list's items say what they are ("Photo 2"): no need for "Photos" too.
            label = where if isinstance(child, blocks.ListBlock) else _join(where, child.label)
            yield from block_texts(child, raw.get(name), label)
    elif isinstance(block, blocks.RichTextBlock):
        yield from rich_texts(where, raw)
    elif isinstance(raw, str):
        # Any other block stored as text (CharBlock, TextBlock, URLBlock, an embed's
        # address...) shows it; choosers store ids.
        yield where, raw


def rich_texts(where, value):
    """The words of rich text (stored HTML), and each link's address."""
    source = getattr(value, "source", value) or ""
    text = TAG.sub("", BLOCK_TAGS.sub("\n", source))
    yield where, html.unescape(text)
    for number, match in enumerate(HREF.finditer(source), 1):
        yield f"{where} › link {number}", html.unescape(match.group(2))


def _raw(value):
    """A StreamField's stored JSON: the revision's data, never the blocks' Python values
    (no query for images or documents)."""
    return list(getattr(value, "raw_data", None) or ())


def _join(where, label):
    return f"{where} › {label}" if where else label


def _capitalised(label):
    label = str(label or "")
    return label[:1].upper() + label[1:]


def _singular(label):
    label = str(label or "")
    return label[:-1] if label.endswith("s") else label
