"""Attachments in an S3-compatible bucket (MEDIA_STORAGE=s3), against a real S3 API served by moto on
loopback: the storage grs/settings.py builds from the environment stores a citizen's photo privately in the
bucket, and the handling office's GRO downloads the same bytes through the app."""

import io
import os
import runpy
from pathlib import Path

import boto3
import pytest
from django.conf import settings
from PIL import Image
from rest_framework.test import APIClient

from grievances.models import Attachment
from offices.models import Role
from tests.factories import AppointmentFactory, OfficeFactory
from tests.worker import free_port

pytestmark = pytest.mark.django_db

BUCKET = "grs-media"


@pytest.fixture
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{server._port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, tmp_path, monkeypatch):
    """A private bucket on the endpoint, and the default storage as grs/settings.py builds it for that
    environment (the settings module run afresh, with MEDIA_STORAGE=s3 and the bucket's variables)."""
    environment = {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_ACCESS_KEY_ID": "grs-test",
        "AWS_SECRET_ACCESS_KEY": "grs-test-secret",
        "AWS_LOCATION": "attachments",
        "AWS_S3_ADDRESSING_STYLE": "path",
        "GRS_VAR_DIR": str(tmp_path / "var"),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    built = runpy.run_path(str(Path(settings.BASE_DIR) / "grs" / "settings.py"))
    assert built["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    settings.STORAGES = {**settings.STORAGES, "default": built["STORAGES"]["default"]}
    settings.MEDIA_ROOT = tmp_path / "media"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    return client


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (48, 32), (0, 106, 78)).save(out, format="PNG")
    return out.getvalue()


def test_a_photo_filed_with_a_grievance_is_kept_privately_in_the_bucket_and_reaches_the_gro(bucket):
    office = OfficeFactory(code="USSO-ULIPUR")
    gro = AppointmentFactory(role=Role.GRO, office=office).user
    sent = photo()
    upload = io.BytesIO(sent)
    upload.name = "ration-card.png"

    answer = APIClient().post(
        "/api/v1/grievances/",
        {
            "type": "citizen",
            "office": office.code,
            "subject": "ভাতার কার্ড",
            "description": "কার্ডের ছবি দিলাম।",
            "complainant_name": "আমেনা বেগম",
            "complainant_phone": "01712345678",
            "attachments": [upload],
        },
        format="multipart",
    )
    assert answer.status_code == 201, answer.content
    number = answer.json()["tracking_number"]

    stored = bucket.list_objects_v2(Bucket=BUCKET)["Contents"]
    assert len(stored) == 1 and stored[0]["Key"].startswith("attachments/")
    in_bucket = bucket.get_object(Bucket=BUCKET, Key=stored[0]["Key"])["Body"].read()
    assert Image.open(io.BytesIO(in_bucket)).size == (48, 32)
    # Private: the object grants nobody but its owner anything (no public-read for "AllUsers").
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=stored[0]["Key"])["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all("AllUsers" not in str(grant["Grantee"]) for grant in grants)
    assert not any(path.is_file() for path in Path(settings.MEDIA_ROOT).rglob("*"))  # nothing on local disk

    attachment = Attachment.objects.get(grievance__tracking_number=number)
    api = APIClient()
    api.force_login(gro)
    download = api.get(f"/inbox/{number}/attachments/{attachment.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == in_bucket
