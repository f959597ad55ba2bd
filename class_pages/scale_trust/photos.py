"""The photos of the scale trust. A few real images and their carer renditions are
made once; every seeded image row shares one of those originals, and every rendition
row gets its own random file name, a hard link to the real rendition (the authorising
view finds renditions by file name, so names must be unique; disk use stays a few
hundred KB). Each image is tagged with a pupil of its class."""

import errno
import os
import shutil
import uuid

from django.core.files.storage import default_storage
from wagtail.models import Collection

from class_pages.factories import ClassImageFactory, generated_image_file
from class_pages.media.photos import carer_specs
from class_pages.models import ClassImage, ClassRendition

BATCH = 2000
TEMPLATE_IMAGES = 3


def template_images(prefix):
    """[(image, {spec: rendition})]: a few real images with the carer renditions made
    from them; every seeded photo shares their files (the images stay in the root
    collection, unused)."""
    root = Collection.get_first_root_node()
    templates = []
    for n in range(TEMPLATE_IMAGES):
        image = ClassImageFactory(
            title=f"{prefix} seed template {n}",
            collection=root,
            file=generated_image_file(
                name=f"seed{n}.png", size=(1200, 900), colour=(40 + 60 * n, 120, 80)
            ),
            no_identifiable_pupil=True,
        )
        renditions = {spec: image.get_rendition(spec) for spec in sorted(carer_specs(None))}
        templates.append((image, renditions))
    return templates


def class_photos(class_page, pupils, count, templates, files):
    """`count` images in the class's collection, tagged, each with its renditions."""
    template_rows = [template for template, _ in templates]
    images = ClassImage.objects.bulk_create(
        [
            ClassImage(
                title=f"Photo {n + 1}",
                file=template_rows[n % len(template_rows)].file.name,
                width=template_rows[n % len(template_rows)].width,
                height=template_rows[n % len(template_rows)].height,
                file_size=template_rows[n % len(template_rows)].file_size,
                file_hash=template_rows[n % len(template_rows)].file_hash,
                collection_id=class_page.collection_id,
                detected_faces=1,
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    tagged = ClassImage.pupils.through
    tagged.objects.bulk_create(
        [
            tagged(classimage_id=image.pk, pupil_id=pupils[n % len(pupils)].pk)
            for n, image in enumerate(images)
        ],
        batch_size=BATCH,
    )
    renditions = []
    for n, image in enumerate(images):
        for spec, source in templates[n % len(templates)][1].items():
            renditions.append(
                ClassRendition(
                    image_id=image.pk,
                    filter_spec=spec,
                    focal_point_key=source.focal_point_key,
                    file=files.copy(source.file.name),
                    width=source.width,
                    height=source.height,
                )
            )
    ClassRendition.objects.bulk_create(renditions, batch_size=BATCH)
    return images


class LinkedCopies:
    """New random names for the same bytes: hard links. A file system allows only so
    many links to one file (ext4: 65,000), so when one is full its next copy becomes
    the file to link to; where links fail altogether, a copy each."""

    def __init__(self):
        self.link_sources = {}  # template file name -> the file new links are made to

    def copy(self, name):
        folder, extension = os.path.split(name)[0], os.path.splitext(name)[1]
        new_name = f"{folder}/{uuid.uuid4().hex}{extension}"
        source = self.link_sources.get(name) or default_storage.path(name)
        target = default_storage.path(new_name)
        try:
            os.link(source, target)
        except OSError as error:
            shutil.copyfile(source, target)
            if error.errno == errno.EMLINK:
                self.link_sources[name] = target
        return new_name
