"""Where case attachments live: ``PRIVATE_STORAGE_ROOT``, outside the public media
tree. Files have no URL; the permission-checked download view serves them."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.deconstruct import deconstructible


@deconstructible
class PrivateStorage(FileSystemStorage):
    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.PRIVATE_STORAGE_ROOT)
        kwargs.setdefault("directory_permissions_mode", 0o750)
        kwargs.setdefault("file_permissions_mode", 0o640)
        super().__init__(**kwargs)

    def url(self, name):
        raise ValueError("Private files have no public URL; use the download view.")


def private_storage() -> PrivateStorage:
    # A callable, so that the location is read when the field is used, not
    # frozen into migrations; tests point PRIVATE_STORAGE_ROOT at a temp dir.
    return PrivateStorage()
