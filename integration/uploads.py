"""Upload size limits, enforced while a request streams in, before any file is read whole.

Two guards share one limit (`settings.UPLOAD_MAX_BYTES`, from `UPLOAD_MAX_MB`):

- `UploadLimitMiddleware` answers 413 with a plain page naming the limit when a request says
  (Content-Length) that its body is larger, before a byte of it is read, a session looked up
  or the database touched.
- `LimitedUploadHandler` counts a multipart upload's bytes as they arrive. Past the limit it
  stops passing them on (nothing more is kept in memory or on disk) and the file arrives as a
  `RefusedUpload`, which the upload forms report as a field error naming the limit
  (`upload_refusal`). A body longer than its Content-Length promised is cut off.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.template import loader

# Form fields and multipart boundaries around the files: a body may be this much over the
# file limit before the middleware refuses it (the handler then names the file's limit).
FORM_ALLOWANCE = 1024 * 1024


def limit_text(limit: int | None = None) -> str:
    """The upload limit as people read it: '50 MB'."""
    size = settings.UPLOAD_MAX_BYTES if limit is None else limit
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:,.0f} MB"
    return f"{size / 1024:,.0f} KB"


def too_large_response() -> HttpResponse:
    """413 with the plain page: rendered without a request context, so without the database."""
    page = loader.get_template("413.html").render({"limit": limit_text()})
    return HttpResponse(page, status=413)


class UploadLimitMiddleware:
    """Refuse a request whose declared body is over the upload limit, before reading it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit() and int(declared) > settings.UPLOAD_MAX_BYTES + FORM_ALLOWANCE:
            return too_large_response()
        response: HttpResponse = self.get_response(request)
        return response


class RefusedUpload(UploadedFile):
    """A file that went over the upload limit while it streamed in: its name and the bytes
    received before it was refused, with no content kept."""

    def __init__(self, name: str, received: int, limit: int) -> None:
        super().__init__(file=None, name=name, size=received)
        self.refusal = (
            f"The selected file is larger than {limit_text(limit)}, the largest upload accepted"
        )

    def read(self, *args: Any, **kwargs: Any) -> bytes:
        return b""

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> RefusedUpload:
        return self

    def close(self) -> None:
        return None


def upload_refusal(upload: object) -> str | None:
    """The message for a file refused while it streamed in, else None (for `clean_file`)."""
    return upload.refusal if isinstance(upload, RefusedUpload) else None


class LimitedUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: counts the request's file bytes and, past the limit,
    keeps no more of them (the handlers after it get nothing) and hands over a RefusedUpload."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = settings.UPLOAD_MAX_BYTES
        self.received = 0  # over every file of the request
        self.refused = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit + FORM_ALLOWANCE:
            # More than the middleware let in (no or a false Content-Length): stop reading.
            raise StopUpload(connection_reset=True)
        if self.received > self.limit:
            self.refused = True
        return None if self.refused else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.refused:
            return None  # the next handler (memory or temporary file) returns the file
        return RefusedUpload(self.file_name or "file", file_size, self.limit)
