"""Checking and cleaning uploaded evidence before anything is stored.

The type is decided from the content by libmagic, never from the name or the client's header.
Images are decoded and re-encoded, which drops EXIF (a photo's GPS position would expose the
complainant) and anything hidden in or after the image data (a script, an appended ZIP archive).
What could harm the officer who opens a document is refused: a PDF with scripts or launch actions, a
Word or ODT file with macros, and a document that unpacks to far more than it weighs (a "ZIP bomb", which
hangs the computer that opens it). A document that passes keeps its content, but not the names its
program wrote into it (author, last editor, company), since a file travels to every official who
handles the grievance and its complainant's name should not travel inside it.
"""

import hashlib
import io
import os
import re
import secrets
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

import magic
import pypdf
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps
from pypdf.generic import NameObject

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
# Word (.docx) and ODT documents are ZIP archives of XML parts.
ARCHIVE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.oasis.opendocument.text",
}

# A 40-megapixel photo is already more than any phone takes at its usual setting; decoding takes 4 bytes a
# pixel, so a tiny file that declares 30000 x 30000 pixels would need gigabytes.
MAX_IMAGE_PIXELS = 40_000_000
# A real document of 5 MB unpacks to tens of MB in at most a few hundred parts, and embeds an archive (a
# spreadsheet in a Word file) at most one level deep.
MAX_ARCHIVE_ENTRIES = 1000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ARCHIVE_DEPTH = 2
_ZIP_MAGIC = b"PK\x03\x04"
# Parts that hold macros: VBA in Office Open XML, Basic and scripts in OpenDocument.
_MACRO_PARTS = re.compile(r"(^|/)vbaProject\.bin$|(^|/)vbaData\.xml$|^Basic/|^Scripts/", re.IGNORECASE)

# PDF names that make a viewer run something: a JavaScript action or name tree, a program (Launch), an XFA
# form (which carries its own scripts) or embedded Flash; and HTML script, in a file that is also a web page.
# A name may spell any letter as #xx, so names are decoded before they are read.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|Launch|XFA|RichMedia)(?=[\s()<>\[\]{}/%]|$)|(?i:<script)")
# The key holding an action's script. Three bytes can occur by chance in compressed data, so it is looked for
# only outside streams and in the object streams that hold dictionaries (a JavaScript action also names
# its type, /S /JavaScript, which is looked for everywhere).
_PDF_JS_KEY = re.compile(rb"/JS(?=[\s()<>\[\]{}/%]|$)")
_PDF_NAME = re.compile(rb"/[^\s()<>\[\]{}/%]+")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")
# Object streams (PDF 1.5) keep dictionaries compressed, where an action's names do not show in the raw bytes.
MAX_PDF_OBJECT_STREAM_BYTES = 20 * 1024 * 1024

# Who wrote a document, as its program records it. A document's parts are rewritten only there: elements
# with these names (in any namespace prefix) keep their tags but lose their text.
_DC = "http://purl.org/dc/elements/1.1/"
_METADATA_PARTS = {
    # Office Open XML (Word): the core and the application's properties.
    "docProps/core.xml": {
        (_DC, "creator"),
        ("http://schemas.openxmlformats.org/package/2006/metadata/core-properties", "lastModifiedBy"),
    },
    "docProps/app.xml": {
        ("http://schemas.openxmlformats.org/officeDocument/2006/extended-properties", "Company"),
        ("http://schemas.openxmlformats.org/officeDocument/2006/extended-properties", "Manager"),
    },
    # OpenDocument.
    "meta.xml": {(_DC, "creator"), ("urn:oasis:names:tc:opendocument:xmlns:meta:1.0", "initial-creator")},
}
# What a PDF's information dictionary may keep; the author, the program (/Creator, /Producer, which can
# name the computer's owner), subject and keywords go, and so does the XMP packet, which repeats them.
_PDF_KEPT_INFO = ("/Title", "/CreationDate", "/ModDate")
# A PDF with none of these names has no metadata to remove and is stored as it came; one with them, or
# whose dictionaries may be out of sight (compressed or encrypted), is rewritten.
_PDF_METADATA = re.compile(
    rb"/(?:Info|Author|Creator|Producer|Subject|Keywords|Metadata|ObjStm|Encrypt)(?=[\s()<>\[\]{}/%]|$)|xpacket"
)


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
    """The name as the officer will read it: no folders (``../../etc/passwd.png`` is ``passwd.png``), no
    control or direction-changing characters (which can make ``exe.pdf`` read as ``fdp.exe``), at most
    200 characters. Files are stored under random names whatever this says."""
    text = "".join(ch for ch in str(name or "") if unicodedata.category(ch) not in ("Cc", "Cf"))
    base = os.path.basename(text.replace("\\", "/")).strip()
    if not base.strip("."):
        base = "file"
    if len(base) > 200:
        stem, ext = os.path.splitext(base)
        base = stem[: 200 - len(ext[:20])] + ext[:20]
    return base


def _png_complete(data: bytes) -> bool:
    """Every chunk whole and with its checksum, up to the closing IEND chunk."""
    position = 8
    while position + 12 <= len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        end = position + 12 + length
        if end > len(data) or zlib.crc32(data[position + 4 : end - 4]) != int.from_bytes(data[end - 4 : end], "big"):
            return False
        if data[position + 4 : position + 8] == b"IEND":
            return True
        position = end
    return False


def _jpeg_complete(data: bytes) -> bool:
    """Every segment whole, up to the end-of-image marker (an embedded thumbnail's does not count)."""
    position, size = 2, len(data)
    while position + 1 < size:
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xD9:
            return True
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            position += 2
            continue
        if position + 4 > size:
            return False
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
        if marker == 0xDA:  # the scan's coded data runs to the next marker that is not a restart or a stuffed 0xFF
            while True:
                position = data.find(b"\xff", position)
                if position < 0 or position + 1 >= size:
                    return False
                following = data[position + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    position += 2
                elif following == 0xFF:
                    position += 1
                else:
                    break
    return False


# Checked here, not left to Pillow: a library that lets Pillow load truncated images (WeasyPrint does, for
# the whole process, on import) would otherwise let half a photo through, padded with grey.
_COMPLETE = {"PNG": _png_complete, "JPEG": _jpeg_complete}


def _reencode_image(content: bytes, kind: str, name: str) -> bytes:
    too_large = AttachmentRefused(
        _("“%(name)s” is an image too large to open safely. Please send a smaller photo.") % {"name": name},
        field="attachments",
    )
    try:
        if not _COMPLETE[kind](content):
            raise ValueError("truncated or damaged")
        with Image.open(io.BytesIO(content)) as image:
            # Only the header is read so far: refuse a "decompression bomb" before decoding a pixel.
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise too_large
            image.load()
            image = ImageOps.exif_transpose(image)
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format=kind, optimize=True, **({"quality": 85} if kind == "JPEG" else {}))
            return out.getvalue()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise too_large from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise AttachmentRefused(
            _("“%(name)s” could not be read as an image; it may be damaged.") % {"name": name}, field="attachments"
        ) from exc


def _unreadable_document(name: str) -> AttachmentRefused:
    return AttachmentRefused(
        _("“%(name)s” could not be read as a document; it may be damaged.") % {"name": name}, field="attachments"
    )


def _macros(name: str) -> AttachmentRefused:
    return AttachmentRefused(
        _(
            "“%(name)s” contains macros, which could run on the officer's computer. Save it as a document "
            "without macros (.docx or PDF) and attach that."
        )
        % {"name": name},
        field="attachments",
    )


def _bomb(name: str) -> AttachmentRefused:
    return AttachmentRefused(
        _(
            "“%(name)s” unpacks to far more than its size, or holds too many parts or archives inside, to be "
            "opened safely. Save it again from the word processor, or send it as PDF."
        )
        % {"name": name},
        field="attachments",
    )


@dataclass
class _Unpacking:
    """What a document has unpacked to so far, across every archive nested in it."""

    name: str
    entries: int = 0
    bytes: int = 0

    def count(self, entries: int = 0, size: int = 0) -> None:
        self.entries += entries
        self.bytes += size
        if self.entries > MAX_ARCHIVE_ENTRIES or self.bytes > MAX_UNPACKED_BYTES:
            raise _bomb(self.name)


def _check_archive(content: bytes, name: str) -> None:
    """Unpack a .docx or .odt without keeping it, counting what comes out: refuse a ZIP bomb (too many
    parts, too many bytes, archives within archives), macros, or an archive that cannot be read."""
    try:
        _unpack(content, _Unpacking(name), depth=1)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, OSError, ValueError) as exc:
        # Damaged, encrypted or compressed in a way no word processor writes.
        raise _unreadable_document(name) from exc


def _unpack(content: bytes, unpacking: _Unpacking, *, depth: int) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        entries = archive.infolist()
        unpacking.count(entries=len(entries))
        # The sizes the archive declares first (cheap); then the bytes that really come out, as they come.
        if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES - unpacking.bytes:
            raise _bomb(unpacking.name)
        for entry in entries:
            if _MACRO_PARTS.search(entry.filename):
                raise _macros(unpacking.name)
            if entry.is_dir():
                continue
            nested = None
            with archive.open(entry) as part:
                while chunk := part.read(1024 * 1024):
                    unpacking.count(size=len(chunk))
                    if nested is None:
                        nested = [] if chunk.startswith(_ZIP_MAGIC) else False
                    if nested is not False:
                        nested.append(chunk)
            if nested:
                if depth >= MAX_ARCHIVE_DEPTH:
                    raise _bomb(unpacking.name)
                _unpack(b"".join(nested), unpacking, depth=depth + 1)


def _emptied(xml: bytes, names: set[tuple[str, str]]) -> bytes:
    """The XML part with the text of the elements ``names`` (namespace, local name) removed; raises
    ``ValueError`` if the part is not plain well-formed XML or still holds text there afterwards."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise ValueError("a document type declaration in a metadata part")
    for local in sorted({local for _namespace, local in names}):
        element = re.compile(
            rb"<(?P<tag>(?:[A-Za-z_][\w.-]*:)?" + re.escape(local.encode()) + rb")(?=[\s/>])(?P<attributes>[^>]*?)"
            rb"(?:/>|>.*?</(?P=tag)\s*>)",
            re.DOTALL,
        )
        xml = element.sub(lambda m: b"<%s%s/>" % (m.group("tag"), m.group("attributes").rstrip()), xml)
    # No document type, so no entity to expand or fetch: the standard parser is safe here.
    for node in ElementTree.fromstring(xml).iter():  # noqa: S314
        if node.tag.startswith("{") and tuple(node.tag[1:].split("}", 1)) in names and (node.text or len(node)):
            raise ValueError("metadata left in place")
    return xml


def _strip_archive(content: bytes, name: str) -> bytes:
    """The .docx or .odt with its author's names emptied and every other part's content as it was. The
    parts keep their order and compression: OpenDocument needs its ``mimetype`` first and stored."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = [(entry, archive.read(entry)) for entry in archive.infolist()]
        changed = False
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as rewritten:
            for entry, data in parts:
                if entry.filename in _METADATA_PARTS:
                    emptied = _emptied(data, _METADATA_PARTS[entry.filename])
                    changed = changed or emptied != data
                    data = emptied
                # A fresh entry, so that no comment or extra field comes along (nor the archive's comment).
                fresh = zipfile.ZipInfo(entry.filename, date_time=entry.date_time)
                fresh.compress_type = entry.compress_type
                fresh.external_attr = entry.external_attr
                rewritten.writestr(fresh, data)
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, OSError, ValueError, SyntaxError) as exc:
        raise _unreadable_document(name) from exc  # a metadata part that is not XML (ParseError is a SyntaxError)
    return out.getvalue() if changed else content


def _pdf_names_decoded(data: bytes) -> bytes:
    return _PDF_NAME.sub(lambda m: _PDF_HEX.sub(lambda h: bytes([int(h.group(1), 16)]), m.group(0)), data)


def _pdf_parts(content: bytes):
    """The PDF's bytes outside its streams, then the inflated content of its object streams (within a
    budget: past it, ``OverflowError``)."""
    budget = MAX_PDF_OBJECT_STREAM_BYTES
    position, streams = 0, []
    for match in _PDF_STREAM.finditer(content):
        if match.start() < position:
            continue  # the word inside a stream already skipped
        end = content.find(b"endstream", match.end())
        end = len(content) if end < 0 else end
        yield content[position : match.start()]
        head = _pdf_names_decoded(content[max(position, match.start() - 1000) : match.start()])
        if b"/ObjStm" in head and b"/FlateDecode" in head:
            streams.append((match.end(), end))
        position = end
    yield content[position:]
    for start, end in streams:
        try:
            data = zlib.decompressobj().decompress(content[start:end], budget + 1)
        except zlib.error:
            continue  # encrypted or damaged: nothing readable to check
        budget -= len(data)
        if budget < 0:
            raise OverflowError
        yield data


def _check_pdf(content: bytes, name: str) -> None:
    """Refuse a PDF that would make the officer's viewer run a script or a program."""
    active = AttachmentRefused(
        _(
            "“%(name)s” is a PDF with scripts or actions that run when it is opened, which could harm the "
            "officer's computer. Print it to a new PDF, or take a photo of it, and attach that."
        )
        % {"name": name},
        field="attachments",
    )
    if _PDF_ACTIVE.search(_pdf_names_decoded(content)):
        raise active
    try:
        for part in _pdf_parts(content):
            part = _pdf_names_decoded(part)
            if _PDF_JS_KEY.search(part) or _PDF_ACTIVE.search(part):
                raise active
    except OverflowError as exc:
        raise _bomb(name) from exc


def _strip_pdf(content: bytes, name: str) -> bytes:
    """The PDF without its author, programs and XMP packet, rewritten by pypdf (which writes only what the
    pages and the catalogue reach, so an earlier revision's metadata goes too). A PDF that carries
    metadata but cannot be rewritten is refused rather than stored with the complainant's name in it."""
    try:
        if not any(_PDF_METADATA.search(_pdf_names_decoded(part)) for part in _pdf_parts(content)):
            return content
        reader = pypdf.PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValueError("needs a password")
        writer = pypdf.PdfWriter(clone_from=reader, keep_initial_header=True)
        info = writer._info
        kept = {key: info[key] for key in _PDF_KEPT_INFO if info is not None and key in info}
        writer.metadata = None
        if kept:
            writer.metadata = kept
        writer._root_object.pop(NameObject("/Metadata"), None)
        for page in writer.pages:
            page.pop(NameObject("/Metadata"), None)
        # What no longer has a reference (the XMP packet, and what only it pointed to) is not written.
        while True:
            left = sum(obj is not None for obj in writer._objects)
            writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
            if sum(obj is not None for obj in writer._objects) == left:
                break
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    except OverflowError as exc:
        raise _bomb(name) from exc
    except Exception as exc:  # pypdf raises many kinds on a PDF it cannot follow
        raise AttachmentRefused(
            _(
                "“%(name)s” is a PDF whose author's details could not be removed, and they would reach every "
                "officer who opens it. Print it to a new PDF, or take a photo of it, and attach that."
            )
            % {"name": name},
            field="attachments",
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
    elif kind == "application/pdf":
        _check_pdf(content, name)
        content = _strip_pdf(content, name)
    elif kind in ARCHIVE_TYPES:
        _check_archive(content, name)
        content = _strip_archive(content, name)
    return CleanFile(original_name=name, content_type=kind, content=content, extension=ALLOWED[kind])


def clean_uploads(uploads: list) -> list[CleanFile]:
    """Check every upload before anything is written; the whole filing is refused on the first bad one."""
    if len(uploads) > settings.GRS_MAX_ATTACHMENTS:
        raise AttachmentRefused(
            _("Attach at most %(count)s files.") % {"count": settings.GRS_MAX_ATTACHMENTS}, field="attachments"
        )
    return [clean_upload(upload) for upload in uploads]
