"""Checking and cleaning uploaded evidence before anything is stored.

The type is decided from the content by libmagic, never from the name or the client's header.
Images are decoded and re-encoded, which drops EXIF (a photo's GPS position would expose the
complainant) and anything hidden after the image data.
"""

import hashlib
import io
import os
import secrets
import warnings
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from grs import errors

ALLOWED = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "application/msword": ".doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.oasis.opendocument.text": ".odt",
}
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG"}


class AttachmentRefused(errors.ValidationError):
    code = "attachment_refused"


class AttachmentTooLarge(AttachmentRefused):
    code = "attachment_too_large"
    http_status = 413


@dataclass(frozen=True)
class CleanFile:
    """An upload that passed every check, ready to store."""

    original_name: str
    content_type: str
    content: bytes
    extension: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    def as_content_file(self) -> tuple[str, ContentFile]:
        storage_name = secrets.token_hex(16) + self.extension
        return storage_name, ContentFile(self.content, name=storage_name)


def _clean_name(name: str) -> str:
    base = os.path.basename(str(name or "").replace("\\", "/")).strip() or "file"
    if len(base) > 200:
        stem, ext = os.path.splitext(base)
        base = stem[: 200 - len(ext[:20])] + ext[:20]
    return base


def _reencode_image(content: bytes, kind: str, name: str) -> bytes:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                image.load()
                image = ImageOps.exif_transpose(image)
                if kind == "JPEG" and image.mode not in ("RGB", "L"):
                    image = image.convert("RGB")
                out = io.BytesIO()
                image.save(out, format=kind, optimize=True, **({"quality": 85} if kind == "JPEG" else {}))
                return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AttachmentRefused(
            _("“%(name)s” is an image too large to open safely. Please send a smaller photo.") % {"name": name},
            field="attachments",
        ) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise AttachmentRefused(
            _("“%(name)s” could not be read as an image; it may be damaged.") % {"name": name}, field="attachments"
        ) from exc


def clean_upload(upload) -> CleanFile:
    """Check one uploaded file; raise :class:`AttachmentRefused` with a reason the user understands."""
    name = _clean_name(getattr(upload, "name", "file"))
    limit = settings.GRS_MAX_ATTACHMENT_BYTES
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise AttachmentTooLarge(
            _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit // (1024 * 1024)},
            field="attachments",
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise AttachmentTooLarge(
            _("“%(name)s” is larger than %(mb)s MB.") % {"name": name, "mb": limit // (1024 * 1024)},
            field="attachments",
        )
    if not content:
        raise AttachmentRefused(_("“%(name)s” is empty.") % {"name": name}, field="attachments")
    kind = magic.from_buffer(content[:65536], mime=True)
    if kind.startswith(("video/", "audio/")):
        raise AttachmentRefused(
            _(
                "“%(name)s” is a video or sound recording. These cannot be attached: they are too large for "
                "the offices' links and can reveal who speaks in them. Attach photos (JPEG, PNG) or documents "
                "(PDF, Word, ODT)."
            )
            % {"name": name},
            field="attachments",
        )
    if kind not in ALLOWED:
        raise AttachmentRefused(
            _("“%(name)s” is not a photo (JPEG, PNG) or a document (PDF, Word, ODT).") % {"name": name},
            field="attachments",
        )
    if kind in IMAGE_TYPES:
        content = _reencode_image(content, IMAGE_TYPES[kind], name)
    return CleanFile(original_name=name, content_type=kind, content=content, extension=ALLOWED[kind])


def clean_uploads(uploads: list) -> list[CleanFile]:
    """Check every upload before anything is written; the whole filing is refused on the first bad one."""
    if len(uploads) > settings.GRS_MAX_ATTACHMENTS:
        raise AttachmentRefused(
            _("Attach at most %(count)s files.") % {"count": settings.GRS_MAX_ATTACHMENTS}, field="attachments"
        )
    return [clean_upload(upload) for upload in uploads]
