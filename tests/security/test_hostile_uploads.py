"""Hostile attachments are refused with a reason, or made harmless, through the API and the citizen's web form.

Refused: a GIF that is also a web page, a PNG "decompression bomb", a truncated image, an empty file, a Word
document that is a ZIP bomb (huge, thousands of parts, archives nested in archives) or carries macros, and a
PDF that runs a script or a program when opened (however its names are spelled or packed). A refusal refuses
the whole filing: no grievance, no attachment row, no file under MEDIA_ROOT, and the web form comes back
with what was typed. Made harmless: an image carrying a script or a ZIP archive is re-encoded without them;
a file name with folders (``../../etc/passwd.png``), control characters or thousands of letters is cut to
its plain base name, and the file is stored under a random name inside MEDIA_ROOT.
"""

import io
import secrets
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image, ImageFile
from rest_framework.test import APIClient

from grievances.attachments import AttachmentRefused
from grievances.models import Attachment, Grievance
from grievances.services import grievance_file
from offices.models import Office
from tests.factories import OfficeFactory
from tests.security import uploads

pytestmark = pytest.mark.django_db

OFFICE = "DSS-KURIGRAM"
TYPED = {
    "type": "citizen",
    "subject": "ভাতা পাইনি",
    "description": "মার্চ মাস থেকে বয়স্ক ভাতা পাচ্ছি না।",
    "complainant_name": "Amena Begum",
    "complainant_phone": "01712345678",
}

NOT_ALLOWED = "is not a photo (JPEG, PNG) or a document"
IMAGE_TOO_LARGE = "is an image too large to open safely"
DAMAGED_IMAGE = "could not be read as an image; it may be damaged"
BOMB = "unpacks to far more than its size, or holds too many parts or archives inside"
MACROS = "contains macros"
DAMAGED_DOCUMENT = "could not be read as a document; it may be damaged"
PDF_SCRIPT = "is a PDF with scripts or actions that run when it is opened"

REFUSED = {
    "a GIF that is also a web page": ("photo.gif", uploads.gif_with_script, NOT_ALLOWED),
    "a PNG of 30000 x 30000 pixels in 300 bytes": ("bomb.png", uploads.png_bomb, IMAGE_TOO_LARGE),
    "half a PNG": ("half.png", lambda: uploads.half(uploads.png(300, 200)), DAMAGED_IMAGE),
    "half a JPEG": ("half.jpg", lambda: uploads.half(uploads.jpeg()), DAMAGED_IMAGE),
    "a Word file that unpacks to 300 MB": ("bomb.docx", uploads.docx_bomb, BOMB),
    "a Word file of 5,000 parts": ("many.docx", lambda: uploads.docx(entries=5000), BOMB),
    "a Word file with archives in archives": ("nested.docx", uploads.docx_nested, BOMB),
    "a Word file with macros": ("macro.docx", lambda: uploads.docx([("word/vbaProject.bin", b"VBA")]), MACROS),
    "half a Word file": (
        "half.docx",
        lambda: uploads.half(uploads.docx([("word/media/image1.png", uploads.png(200, 200))])),
        DAMAGED_DOCUMENT,
    ),
    "a PDF that runs JavaScript when opened": (
        "letter.pdf",
        lambda: uploads.pdf_open_action(b"<< /S /JavaScript /JS (app.alert(1)) >>"),
        PDF_SCRIPT,
    ),
    "a PDF whose names hide JavaScript as #xx": (
        "letter.pdf",
        lambda: uploads.pdf_open_action(b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>"),
        PDF_SCRIPT,
    ),
    "a PDF with JavaScript packed in an object stream": (
        "letter.pdf",
        lambda: uploads.pdf_in_object_stream(b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"),
        PDF_SCRIPT,
    ),
    "a PDF that launches a program": (
        "letter.pdf",
        lambda: uploads.pdf_open_action(b"<< /S /Launch /F (cmd.exe) >>"),
        PDF_SCRIPT,
    ),
    "a PDF that is also a web page": ("letter.pdf", lambda: b"%PDF-1.4\n" + uploads.SCRIPT, PDF_SCRIPT),
}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "deep" / "down" / "media"
    return tmp_path


@pytest.fixture
def office():
    ministry = OfficeFactory(code="MOSW")
    return OfficeFactory(code=OFFICE, parent=ministry, layer=Office.Layer.DISTRICT)


def multipart(fields: dict, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart body written by hand: Django's test clients would cut a file name to its base name."""
    boundary = "grs-" + secrets.token_hex(12)
    body = b""
    for name, value in fields.items():
        body += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for file_name, content in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="{file_name}"\r\n'
            "Content-Type: image/png\r\n\r\n"
        )
        body += head.encode() + content + b"\r\n"
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def send_by_api(files: list[tuple[str, bytes]]):
    body, content_type = multipart({**TYPED, "office": OFFICE}, files)
    client = APIClient()
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client.generic("POST", "/api/v1/grievances/", body, content_type=content_type)


def send_by_form(files: list[tuple[str, bytes]]):
    body, content_type = multipart(TYPED, files)
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.generic("POST", f"/grievances/new/?office={OFFICE}", body, content_type=content_type)


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def assert_nothing_stored(media: Path) -> None:
    assert Grievance.objects.count() == 0
    assert Attachment.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.parametrize("case", REFUSED.keys())
def test_the_api_refuses_the_filing_with_the_reason(office, media, case):
    name, make, reason = REFUSED[case]
    response = send_by_api([(name, make())])
    assert response.status_code == 400, response.content
    assert reason in response.json()["attachments"][0]
    assert name in response.json()["attachments"][0]  # which file it was
    assert_nothing_stored(media)


@pytest.mark.parametrize("case", REFUSED.keys())
def test_the_web_form_refuses_the_filing_and_keeps_what_was_typed(office, media, case):
    name, make, reason = REFUSED[case]
    response = send_by_form([(name, make())])
    assert response.status_code == 200
    page = response.content.decode()
    assert reason in page.replace("&#x27;", "'")
    assert TYPED["subject"] in page and TYPED["description"] in page  # typed text comes back, to send again
    assert "please attach the files again" in page  # files cannot be kept: the page says so
    assert_nothing_stored(media)


@pytest.mark.parametrize("make", [uploads.png, uploads.jpeg], ids=["PNG", "JPEG"])
def test_half_an_image_is_refused_even_where_pillow_would_load_it(office, media, monkeypatch, make):
    # Importing WeasyPrint (the monthly report's PDF) tells Pillow, for the whole process, to load truncated
    # images padded with grey: the check must not lean on Pillow's setting.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    response = send_by_api([("half", uploads.half(make(300, 200)))])
    assert response.status_code == 400, response.content
    assert DAMAGED_IMAGE in response.json()["attachments"][0]
    assert_nothing_stored(media)


def test_one_bad_file_refuses_the_good_ones_with_it(office, media):
    response = send_by_api([("photo.png", uploads.png()), ("letter.pdf", uploads.pdf_open_action(b"<< /JS (x) >>"))])
    assert response.status_code == 400
    assert_nothing_stored(media)


@pytest.mark.parametrize("send", [send_by_api, send_by_form])
def test_an_empty_file_is_refused(office, media, send):
    response = send([("empty.png", b"")])
    assert response.status_code in (200, 400)
    assert "empty" in response.content.decode()
    assert_nothing_stored(media)


def stored_attachment(media: Path) -> tuple[Attachment, bytes]:
    attachment = Attachment.objects.get()
    path = Path(attachment.file.path).resolve()
    assert path.is_relative_to(Path(attachment.file.storage.location).resolve())
    assert stored_files(media) == [path]
    return attachment, path.read_bytes()


@pytest.mark.parametrize("send", [send_by_api, send_by_form])
def test_a_png_carrying_a_script_is_stored_without_it(office, media, send):
    response = send([("photo.png", uploads.png_with_script())])
    assert response.status_code in (201, 302), response.content
    attachment, stored = stored_attachment(media)
    assert b"<script" not in stored.lower() and b"<html" not in stored.lower()
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size) == ("PNG", (64, 48))
    assert attachment.content_type == "image/png"


@pytest.mark.parametrize("send", [send_by_api, send_by_form])
def test_a_jpeg_with_a_zip_appended_is_stored_as_a_jpeg_alone(office, media, send):
    response = send([("photo.jpg", uploads.jpeg_with_zip())])
    assert response.status_code in (201, 302), response.content
    _attachment, stored = stored_attachment(media)
    assert not zipfile.is_zipfile(io.BytesIO(stored))
    assert b"payload.html" not in stored and b"PK\x03\x04" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("..\\..\\..\\windows\\win.ini.png", "win.ini.png"),
        ("/var/www/grs/static/js/console.js.png", "console.js.png"),
        ("photo\u202egnp.exe", "photognp.exe"),  # a right-to-left override would show it as "photoexe.png"
        ("বাবার\x00ভাতা\x1b[31m.png", "বাবারভাতা[31m.png"),
    ],
)
@pytest.mark.parametrize("send", [send_by_api, send_by_form])
def test_a_file_name_keeps_no_folder_and_no_control_character(office, media, send, sent, kept):
    response = send([(sent, uploads.png())])
    assert response.status_code in (201, 302), response.content
    attachment, _stored = stored_attachment(media)
    assert attachment.original_name == kept
    assert not (media / "etc").exists() and not (media / "deep" / "etc").exists()
    assert "passwd" not in attachment.file.name and "\\" not in attachment.file.name


@pytest.mark.parametrize("send", [send_by_api, send_by_form])
def test_a_file_name_of_ten_thousand_letters_stores_nothing(office, media, send):
    # Django refuses a part header that long before any view runs.
    response = send([("ক" * 10_000 + ".png", uploads.png())])
    assert response.status_code == 400
    assert_nothing_stored(media)


def test_a_long_file_name_is_cut_keeping_its_extension(office, media):
    upload = SimpleUploadedFile("ভাতা" * 2500 + ".png", uploads.png(), content_type="image/png")
    filed = grievance_file(office=office, attachments=[upload], **TYPED)
    attachment = Attachment.objects.get(grievance=filed.grievance)
    assert len(attachment.original_name) <= 200 and attachment.original_name.endswith(".png")
    assert len(Path(attachment.file.name).name) < 50  # stored under a random name


def test_real_documents_still_pass(office, media):
    """What the checks must not refuse: a PDF with a link and an ordinary Word file."""
    ordinary = [
        ("letter.pdf", uploads.pdf(b"3 0 obj\n<< /Type /Action /S /URI /URI (https://example.org/) >>\nendobj\n")),
        ("letter.docx", uploads.docx([("word/media/image1.png", uploads.png())])),
        ("embedded.docx", uploads.docx([("word/embeddings/sheet.xlsx", uploads.zip_of("xl/a.xml", b"<a/>"))])),
    ]
    response = send_by_api(ordinary)
    assert response.status_code == 201, response.content
    assert Attachment.objects.count() == 3


def test_the_service_refuses_before_writing_anything(office, media):
    """Whatever the caller (API, web form, console, a command), the check sits in the one filing service."""
    upload = SimpleUploadedFile("bomb.docx", uploads.docx_bomb())
    with pytest.raises(AttachmentRefused, match="unpacks to far more"):
        grievance_file(office=office, attachments=[upload], **TYPED)
    assert_nothing_stored(media)
