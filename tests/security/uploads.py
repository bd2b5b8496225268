"""Hostile files, made in the test from bytes, Pillow and zipfile: no binary fixture is kept."""

import io
import random
import struct
import zipfile
import zlib

from PIL import Image


def _noise(width: int, height: int) -> Image.Image:
    """Photo-like noise, so that the image does not compress to nothing and half of it is half its pixels."""
    rng = random.Random(width * height)
    return Image.frombytes("RGB", (width, height), bytes(rng.getrandbits(8) for _ in range(width * height * 3)))


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    _noise(width, height).save(out, format="PNG")
    return out.getvalue()


def jpeg(width: int = 160, height: int = 120) -> bytes:
    out = io.BytesIO()
    _noise(width, height).save(out, format="JPEG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def gif_with_script() -> bytes:
    """A GIF header that is also a web page with a script."""
    return b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00" + SCRIPT


def png_with_script() -> bytes:
    """A valid PNG carrying a script twice: in a text chunk and after its end."""
    image = png()
    with_text = image[:33] + _chunk(b"tEXt", b"Comment\x00" + SCRIPT) + image[33:]
    return with_text + SCRIPT


def jpeg_with_zip() -> bytes:
    """A valid JPEG with a ZIP archive appended: both programs open it."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", SCRIPT)
    return jpeg() + archive.getvalue()


def png_bomb() -> bytes:
    """Declares 30000 x 30000 pixels (2.7 GB to decode) in a couple of hundred bytes."""
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 200_000, 9))
        + _chunk(b"IEND", b"")
    )


def half(content: bytes) -> bytes:
    return content[: len(content) // 2]


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
    'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>ভাতা পাইনি</w:t></w:r></w:p></w:body></w:document>'
)


def docx(parts: list[tuple[str, bytes | str]] = (), *, entries: int = 0) -> bytes:
    """A Word document (libmagic says so), with more ``parts`` and ``entries`` empty parts after its own."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        z.writestr("word/document.xml", DOCUMENT)
        for name, data in parts:
            z.writestr(name, data)
        for index in range(entries):
            z.writestr(f"word/part{index}.xml", "")
    return out.getvalue()


def zip_of(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return out.getvalue()


def docx_bomb() -> bytes:
    """Half a megabyte that unpacks to 300 MB of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("word/document.xml", DOCUMENT)
        with z.open("word/media/image1.bin", "w", force_zip64=True) as part:
            block = b"\x00" * (1024 * 1024)
            for _ in range(300):
                part.write(block)
    return out.getvalue()


def docx_nested() -> bytes:
    """Archives inside archives inside a Word document, as a "42.zip" starts."""
    inner = zip_of("0.bin", b"\x00" * 1000)
    for depth in range(4):
        inner = zip_of(f"level{depth}.zip", inner)
    return docx([("word/embeddings/archive.zip", inner)])


def pdf(*objects: bytes) -> bytes:
    """A small PDF with these objects after its catalogue and page (numbered from 3)."""
    body = [
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n",
        *objects,
    ]
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for part in body:
        offsets.append(len(out))
        out += part
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(body) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(body) + 1, xref)
    return out


def pdf_open_action(action: bytes) -> bytes:
    return pdf(b"3 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction " + action + b" >>\nendobj\n")


def pdf_in_object_stream(dictionary: bytes) -> bytes:
    """The dictionary compressed in a PDF 1.5 object stream, where it does not show in the raw bytes."""
    packed = zlib.compress(b"4 0 " + dictionary)
    return pdf(
        b"3 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n" % len(packed)
        + packed
        + b"\nendstream\nendobj\n"
    )
