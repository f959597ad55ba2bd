"""The ZIP of a subject access export: `data.json` (the manifest: everything collected,
as data), `index.html` (the README: the same, readable, with relative links to the
media and the note to review it before release) and `media/` (the stored originals,
copied in chunks so a long video never sits whole in memory). A file storage has lost is
left out and every mention of it says so, rather than failing the export."""

import json
import shutil
import tempfile
import zipfile

from django.template.loader import render_to_string
from django.utils import timezone

from workflows.leaders.subject_access.collect import REVIEW_NOTE

SPOOL_IN_MEMORY = 20 * 1024 * 1024  # larger exports (videos) spill to a temporary file
COPY_CHUNK = 1024 * 1024


def _copy_original(archive, item, date_time):
    """Copy one stored original into the archive; False if storage has lost it."""
    storage, name = item.file.storage, item.file.name
    try:
        size = storage.size(name)
        source = storage.open(name, "rb")
    except (FileNotFoundError, OSError, ValueError):
        return False
    info = zipfile.ZipInfo(item.arcname, date_time=date_time)
    info.compress_type = zipfile.ZIP_STORED  # photos and video are compressed already
    info.file_size = size  # lets zipfile choose ZIP64 for very large recordings
    with source, archive.open(info, "w") as target:
        shutil.copyfileobj(source, target, COPY_CHUNK)
    return True


def _forget(value, missing):
    """Unlink every mention of a file that storage has lost (data.json and index.html
    must not point at what is not in the ZIP)."""
    if isinstance(value, dict):
        if value.get("file") in missing:
            value["file"], value["missing"] = None, "The stored file could not be found."
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return
    for child in children:
        _forget(child, missing)


def write_archive(export):
    """The ZIP, in a spooled temporary file positioned at its start."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)
    date_time = timezone.localtime().timetuple()[:6]
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        missing = {
            item.arcname for item in export.media if not _copy_original(archive, item, date_time)
        }
        _forget(export.data, missing)
        archive.writestr(
            zipfile.ZipInfo("data.json", date_time=date_time),
            json.dumps(export.data, indent=2, ensure_ascii=False),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        archive.writestr(
            zipfile.ZipInfo("index.html", date_time=date_time),
            render_to_string(export.template, {"data": export.data, "note": REVIEW_NOTE}),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    spool.seek(0)
    return spool
