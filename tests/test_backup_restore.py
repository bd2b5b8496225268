"""deploy/backup.sh and deploy/restore.sh, as the README tells an administrator to run them: every
grievance filed before the backup, and its attachments, are there again in a fresh database."""

import io
import os
import shutil
import subprocess
import uuid
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from PIL import Image
from psycopg2 import sql
from rest_framework.test import APIClient

from offices.models import Office
from tests.conftest import need_service
from tests.factories import OfficeFactory
from tests.worker import database_url

DEPLOY = Path(settings.BASE_DIR) / "deploy"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def run(script: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(DEPLOY / script), *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def connect(dbname: str):
    """A connection to ``dbname`` on the test database's server, outside any transaction."""
    db = connection.settings_dict
    conn = psycopg2.connect(dbname=dbname, user=db["USER"], password=db["PASSWORD"], host=db["HOST"], port=db["PORT"])
    conn.autocommit = True
    return closing(conn)


@pytest.fixture
def fresh_database():
    """An empty database beside the test one, dropped at the end whatever happens."""
    need_service(
        connection.vendor == "postgresql", "backup and restore use pg_dump, which needs DATABASE_URL=postgres://..."
    )
    need_service(
        all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "psql")),
        "pg_dump, pg_restore and psql (postgresql-client) are not installed",
    )
    name = f"grs_restore_{uuid.uuid4().hex[:12]}"
    with connect("postgres") as conn, conn.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        with connect("postgres") as conn, conn.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.django_db(transaction=True)
def test_every_grievance_and_attachment_comes_back_from_a_backup(fresh_database, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_ENABLE = False
    ministry = OfficeFactory(code="MOSW")
    OfficeFactory(code="DSS-KURIGRAM", parent=ministry, layer=Office.Layer.DISTRICT)
    api = APIClient()
    filings = [
        {"type": "citizen", "complainant_name": "Amena Begum", "complainant_phone": "01712345678"},
        {"type": "citizen", "complainant_name": "Rahim", "attachments": [io.BytesIO(photo())]},
        {"type": "anonymous"},
    ]
    numbers = set()
    for extra in filings:
        response = api.post(
            "/api/v1/grievances/",
            {"office": "DSS-KURIGRAM", "subject": "Allowance not paid", "description": "Three months.", **extra},
            format="multipart",
        )
        assert response.status_code == 201, response.content
        numbers.add(response.json()["tracking_number"])

    backup = run(
        "backup.sh",
        str(tmp_path / "backups"),
        DATABASE_URL=database_url(connection.settings_dict),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
    )
    assert backup.returncode == 0, backup.stderr
    dump, media = backup.stdout.split()
    assert Path(dump).name.startswith("grs-db-") and Path(media).name.startswith("grs-media-")

    target = database_url({**connection.settings_dict, "NAME": fresh_database})
    restored_media = tmp_path / "restored-media"
    restore = run("restore.sh", dump, media, DATABASE_URL=target, MEDIA_ROOT=str(restored_media))
    assert restore.returncode == 0, restore.stderr

    with connect(fresh_database) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tracking_number FROM grievances_grievance")
        assert {number for (number,) in cursor.fetchall()} == numbers
        cursor.execute(
            "SELECT a.file FROM grievances_attachment a JOIN grievances_grievance g ON g.id = a.grievance_id"
        )
        files = [name for (name,) in cursor.fetchall()]
    assert len(files) == 1
    assert (restored_media / files[0]).read_bytes() == (Path(settings.MEDIA_ROOT) / files[0]).read_bytes()

    # The restored database is no longer empty: restoring into it again is refused, not merged.
    again = run("restore.sh", dump, DATABASE_URL=target)
    assert again.returncode == 1
    assert "refusing to restore: the database already has" in again.stderr
