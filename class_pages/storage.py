"""Private file storage: a folder that no web server publishes (MEDIA_ROOT is set to
PRIVATE_MEDIA_ROOT). Every URL it hands out points at the authorising view
(/files/<name>), never at the file itself."""

from django.core.files.storage import FileSystemStorage


class PrivateMediaStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o640)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        super().__init__(**kwargs)
