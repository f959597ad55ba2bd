"""Private file storage: a folder that no web server publishes (MEDIA_ROOT is set to
PRIVATE_MEDIA_ROOT). Every URL it hands out points at the authorising view
(/files/<name>), never at the file itself. A save that fails (a full disk above all) removes
whatever it had written before it raises: no partial or empty file is ever left behind,
and a full disk raises StorageFullError, which the upload forms show as a form error."""

import errno
import os

from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_makedirs

DISK_FULL_MESSAGE = (
    "The file could not be stored: the server's disk is full. Nothing was saved. "
    "Try again later or tell the school office."
)
FULL_DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT}


def is_disk_full(error):
    return isinstance(error, OSError) and error.errno in FULL_DISK_ERRNOS


class StorageFullError(OSError):
    """The disk (or the account's quota) is full; the save left nothing behind."""


class PrivateMediaStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o640)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        super().__init__(**kwargs)

    def _save(self, name, content):
        # Django's own _save leaves a partial (or 0-byte) file when a write fails. Here the
        # name is claimed with O_EXCL first, so from then on the path is ours to remove.
        # Names are random and never overwritten.
        try:
            self._make_directory(os.path.dirname(self.path(name)))
            name, fd = self._claim(name)
        except OSError as error:
            _raise_full_disk(error)
            raise
        full_path = self.path(name)
        try:
            self._write(fd, full_path, content)
            if self.file_permissions_mode is not None:
                os.chmod(full_path, self.file_permissions_mode)
            self._ensure_location_group_id(full_path)
        except BaseException as error:
            _remove(full_path)
            _raise_full_disk(error)
            raise
        return os.path.relpath(full_path, self.location).replace("\\", "/")

    def _make_directory(self, directory):
        if self.directory_permissions_mode is None:
            os.makedirs(directory, exist_ok=True)
        else:
            # Applies the mode to intermediate folders too (os.makedirs does not).
            safe_makedirs(directory, self.directory_permissions_mode, exist_ok=True)

    def _claim(self, name):
        """(name, fd) of a new empty file; another name if this one was taken meanwhile."""
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        while True:
            try:
                return name, os.open(self.path(name), flags, 0o666)
            except FileExistsError:
                name = self.get_available_name(name)

    def _write(self, fd, full_path, content):
        # Closed inside the caller's try: some filesystems report a full disk only then.
        with _open_for_writing(fd) as handle:
            if hasattr(content, "temporary_file_path"):
                try:
                    # Same filesystem: the upload's temporary file becomes the stored file.
                    _move(content.temporary_file_path(), full_path)
                    return
                except OSError as error:
                    if error.errno != errno.EXDEV:
                        raise
                    # Another filesystem: the bytes are copied below.
            for chunk in content.chunks():
                handle.write(chunk if isinstance(chunk, bytes) else chunk.encode())


# The two ways bytes reach the disk, as functions: where a test without a small disk to
# fill injects one (tests/class_pages/media/test_disk_full.py).
def _open_for_writing(fd):
    return os.fdopen(fd, "wb")


def _move(source, destination):
    os.replace(source, destination)


def _raise_full_disk(error):
    if is_disk_full(error) and not isinstance(error, StorageFullError):
        raise StorageFullError(error.errno, DISK_FULL_MESSAGE) from error


def _remove(full_path):
    try:
        os.remove(full_path)
    except FileNotFoundError:
        pass
