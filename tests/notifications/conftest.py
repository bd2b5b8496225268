"""Notification tests deliver through the real task, run in this process instead of on a worker."""

import json

import pytest

from notifications.tasks import deliver


class SmsFile:
    """The ``file`` SMS backend's output: one JSON object per line."""

    def __init__(self, path):
        self.path = path

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def sms_file(settings, tmp_path) -> SmsFile:
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms.jsonl")
    return SmsFile(tmp_path / "sms.jsonl")


@pytest.fixture
def inline_worker(monkeypatch) -> list[int]:
    """``deliver.delay`` runs the task here and now; returns the ids it was asked to deliver."""
    asked: list[int] = []

    def delay(outbox_id, **kwargs):
        asked.append(outbox_id)
        return deliver.apply(args=(outbox_id,), kwargs=kwargs)

    monkeypatch.setattr(deliver, "delay", delay)
    return asked
