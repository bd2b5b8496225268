"""A document's metadata does not carry the complainant's name to the officials who download it.

Word and ODT files keep every part as it was except the author's, last editor's and company's names; a
PDF loses its author, programs and XMP packet. A PDF that names its author but cannot be rewritten is
refused, not stored with the name in it. The documents are made in the test, as their programs write them.
"""

import io
import xml.dom.minidom
import zipfile

import pypdf
import pytest

from grievances.models import Attachment
from tests.security import test_hostile_uploads as hostile
from tests.security import uploads
from tests.security.test_hostile_uploads import assert_nothing_stored, send_by_api, stored_attachment

pytestmark = pytest.mark.django_db

# The office to file at and a MEDIA_ROOT of the test's own, as for the other hostile uploads.
office = hostile.office
media = hostile.media

NAME = b"Amena Begum"

CORE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>বয়স্ক ভাতার আবেদন</dc:title><dc:creator>Amena Begum</dc:creator>"
    "<cp:lastModifiedBy>Amena  Begum (Kurigram)</cp:lastModifiedBy><cp:revision>3</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">2026-03-01T10:00:00Z</dcterms:created>'
    "</cp:coreProperties>"
)
APP = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Office Word</Application><Pages>1</Pages>"
    "<Company>Amena Begum Tailoring</Company><Manager>Amena Begum</Manager></Properties>"
)

ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
ODT_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body>'
    "<office:text><text:p>মার্চ মাস থেকে বয়স্ক ভাতা পাচ্ছি না।</text:p></office:text></office:body>"
    "</office:document-content>"
).encode()
ODT_META = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-meta '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:meta>'
    "<meta:initial-creator>Amena Begum</meta:initial-creator><dc:creator>Amena Begum</dc:creator>"
    "<meta:generator>LibreOffice/7.6</meta:generator><dc:title>ভাতা</dc:title></office:meta>"
    "</office:document-meta>"
).encode()

PDF_TEXT = b"(Old age allowance not paid since March) Tj"
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>Amena Begum</rdf:li></rdf:Seq>'
    b'</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def odt() -> bytes:
    """An ODT as LibreOffice writes it: ``mimetype`` first and stored, then its XML parts compressed."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", ODT_MIMETYPE, compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", ODT_CONTENT)
        z.writestr("meta.xml", ODT_META)
        z.writestr("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest:manifest/>')
    return out.getvalue()


def pdf_with_author() -> bytes:
    """One page of text, an information dictionary naming its author and an XMP packet naming her again."""
    content = b"BT /F1 12 Tf 72 720 Td " + PDF_TEXT + b" ET"
    body = [
        b"<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 6 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(XMP) + XMP + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title (Allowance) /Author (Amena Begum) /Creator (Microsoft Word - Amena Begum)"
        b" /Producer (Amena Begum's PDF printer) /CreationDate (D:20260301100000Z) >>",
    ]
    out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, part in enumerate(body, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + part + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(body) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(body) + 1, xref)
    return out


def parts(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        assert z.testzip() is None
        return {entry.filename: z.read(entry) for entry in z.infolist()}


def xml_of(part: bytes):
    return xml.dom.minidom.parseString(part)  # noqa: S318 (a part the upload check wrote, read back)


def file_one(media, name: str, content: bytes) -> bytes:
    response = send_by_api([(name, content)])
    assert response.status_code == 201, response.content
    _attachment, stored = stored_attachment(media)
    return stored


def test_a_word_file_is_stored_without_its_authors_name(office, media):
    sent = uploads.docx([("docProps/core.xml", CORE), ("docProps/app.xml", APP)])
    stored = file_one(media, "application.docx", sent)

    assert NAME not in stored
    before, after = parts(sent), parts(stored)
    assert list(after) == list(before)  # the same parts, in the same order
    for part, data in after.items():
        assert NAME not in data, part
        assert b"Amena" not in data, part
        if part not in ("docProps/core.xml", "docProps/app.xml"):
            assert data == before[part], part
    assert "ভাতা পাইনি".encode() in after["word/document.xml"]  # the letter itself is all there

    core = xml_of(after["docProps/core.xml"])
    assert core.getElementsByTagName("dc:title")[0].firstChild.data == "বয়স্ক ভাতার আবেদন"
    assert core.getElementsByTagName("dc:creator")[0].firstChild is None
    assert core.getElementsByTagName("cp:lastModifiedBy")[0].firstChild is None
    assert core.getElementsByTagName("cp:revision")[0].firstChild.data == "3"
    app = xml_of(after["docProps/app.xml"])
    assert app.getElementsByTagName("Company")[0].firstChild is None
    assert app.getElementsByTagName("Application")[0].firstChild.data == "Microsoft Office Word"


def test_an_odt_is_stored_without_its_authors_name_and_still_opens_as_odt(office, media):
    stored = file_one(media, "application.odt", odt())

    assert NAME not in stored
    with zipfile.ZipFile(io.BytesIO(stored)) as z:
        first = z.infolist()[0]
        # OpenDocument readers find the type in the first, uncompressed entry.
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
    assert stored[30:38] == b"mimetype" and stored[38 : 38 + len(ODT_MIMETYPE)] == ODT_MIMETYPE
    after = parts(stored)
    assert after["content.xml"] == ODT_CONTENT
    assert all(NAME not in data for data in after.values())
    meta = xml_of(after["meta.xml"])
    assert meta.getElementsByTagName("meta:initial-creator")[0].firstChild is None
    assert meta.getElementsByTagName("meta:generator")[0].firstChild.data == "LibreOffice/7.6"
    assert Attachment.objects.get().content_type == "application/vnd.oasis.opendocument.text"


def test_a_pdf_is_stored_without_its_author_programs_or_xmp_packet(office, media):
    stored = file_one(media, "application.pdf", pdf_with_author())

    assert b"Amena" not in stored
    assert b"xpacket" not in stored and b"/Metadata" not in stored
    assert PDF_TEXT in stored  # the page's text, as it was
    reader = pypdf.PdfReader(io.BytesIO(stored))
    assert len(reader.pages) == 1
    assert "Old age allowance not paid since March" in reader.pages[0].extract_text()
    assert reader.metadata.title == "Allowance"
    assert (reader.metadata.author, reader.metadata.creator, reader.metadata.producer) == (None, None, None)
    assert reader.xmp_metadata is None


def test_a_pdf_without_metadata_is_stored_as_it_came(office, media):
    sent = uploads.pdf(b"3 0 obj\n<< /Type /Action /S /URI /URI (https://example.org/) >>\nendobj\n")
    assert file_one(media, "letter.pdf", sent) == sent


def test_a_pdf_naming_its_author_that_cannot_be_rewritten_is_refused(office, media):
    broken = b"%PDF-1.4\n1 0 obj\n<< /Author (Amena Begum) >>\nendobj\n%%EOF\n"
    response = send_by_api([("letter.pdf", broken)])
    assert response.status_code == 400, response.content
    reason = response.json()["attachments"][0]
    assert "“letter.pdf” is a PDF whose author's details could not be removed" in reason
    assert "Print it to a new PDF" in reason
    assert_nothing_stored(media)


def test_scripts_are_refused_before_anything_is_rewritten(office, media):
    """The JavaScript check reads the file as sent: a rewrite must not be what decides."""
    action = b"/OpenAction << /S /JavaScript /JS (x) >>"
    with_script = pdf_with_author().replace(b"/Metadata 5 0 R", b"/Metadata 5 0 R " + action)
    response = send_by_api([("letter.pdf", with_script)])
    assert response.status_code == 400
    assert "is a PDF with scripts or actions" in response.json()["attachments"][0]
    assert_nothing_stored(media)
