"""Private files of the banks (materials, research files, evidence): stored under
unguessable names and served only through views that check visibility first."""

import os
import uuid
from urllib.parse import quote

from django.http import FileResponse
from django.utils import timezone
from django.utils.deconstruct import deconstructible

from yiwang.core.errors import NotFoundError


@deconstructible
class PrivateUploadPath:
    """``<prefix>/<year>/<uuid>.<ext>``: the stored name says nothing and cannot be guessed."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, instance, filename: str) -> str:
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
        return f"{self.prefix}/{timezone.now():%Y}/{uuid.uuid4().hex}.{ext[:8]}"

    def __eq__(self, other):
        return isinstance(other, PrivateUploadPath) and other.prefix == self.prefix


def _open(field_file):
    """The stored file opened for reading; NotFoundError when there is none or it is gone from disk."""
    if not field_file:
        raise NotFoundError()
    try:
        return field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFoundError("文件不存在或已被移除。") from None


def download_response(field_file, filename: str) -> FileResponse:
    """The file as an attachment named ``filename``; NotFoundError if it is missing on disk."""
    handle = _open(field_file)
    name = filename or os.path.basename(field_file.name)
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    response["Cache-Control"] = "private, no-store"
    return response


def inline_response(field_file, content_type: str, *, public: bool = False) -> FileResponse:
    """An uploaded image shown in the page (not downloaded), for a viewer the caller has already
    let see it: cached an hour — by the browser only unless ``public`` — and never sniffed as
    another type. NotFoundError if the file is missing on disk."""
    response = FileResponse(_open(field_file), content_type=content_type)
    response["Cache-Control"] = ("public" if public else "private") + ", max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
