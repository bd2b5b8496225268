"""CI's catalogue check (`make messages-check`, through `make messages-translated`) fails on a Bangla
message left untranslated, with an empty plural form or marked fuzzy, and names each one."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUE = BASE_DIR / "locale" / "bn" / "LC_MESSAGES" / "django.po"

BROKEN_ENTRIES = """
#: grievances/views.py:1
msgid "A message nobody translated"
msgstr ""

#: grievances/views.py:2
#, fuzzy, python-format
msgid "Filed at %(office)s"
msgstr "%(office)s-এ দাখিল"

#: grievances/views.py:3
#, python-format
msgid "%(count)s grievance waiting"
msgid_plural "%(count)s grievances waiting"
msgstr[0] "%(count)sটি অভিযোগ অপেক্ষমাণ"
msgstr[1] ""
"""


def _check(po: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "grs" / "messages_check.py"), str(po)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def broken_catalogue(tmp_path) -> Path:
    po = tmp_path / "django.po"
    shutil.copyfile(CATALOGUE, po)
    with po.open("a", encoding="utf-8") as handle:
        handle.write(BROKEN_ENTRIES)
    return po


def test_the_real_bangla_catalogue_passes():
    result = _check(CATALOGUE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Every message" in result.stdout


def test_an_untranslated_a_half_translated_plural_and_a_fuzzy_message_fail_by_name(broken_catalogue):
    result = _check(broken_catalogue)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any("untranslated: 'A message nobody translated'" in line for line in lines), result.stdout
    assert any("fuzzy: 'Filed at %(office)s'" in line for line in lines), result.stdout
    assert any("plural form untranslated: '%(count)s grievance waiting'" in line for line in lines), result.stdout
    assert "3 message(s)" in result.stdout
    # Every message already in the catalogue passes: only the three added are named.
    assert len([line for line in lines if line.startswith(str(broken_catalogue))]) == 3


def test_entries_need_no_blank_line_between_them(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        'msgid "Track"\nmsgstr "অনুসরণ"\n#, fuzzy\nmsgid "Inbox"\nmsgstr "ইনবক্স"\n',
        encoding="utf-8",
    )
    result = _check(po)
    assert result.returncode == 1
    assert "fuzzy: 'Inbox'" in result.stdout
    assert "Track" not in result.stdout


def test_the_make_target_ci_runs_fails_on_a_broken_catalogue(broken_catalogue):
    command = ["make", "-s", "--no-print-directory", "messages-translated", f"BN_PO={broken_catalogue}"]
    result = subprocess.run(
        [*command, f"PY={sys.executable}"], cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "A message nobody translated" in result.stdout
    passing = subprocess.run(
        ["make", "-s", "--no-print-directory", "messages-translated", f"PY={sys.executable}"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert passing.returncode == 0, passing.stdout + passing.stderr
