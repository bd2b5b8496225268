"""Fails when a translation catalogue has a message with no translation, an empty plural form or a
``fuzzy`` flag, naming each one with its line.

``python grs/messages_check.py locale/bn/LC_MESSAGES/django.po`` (``make messages-check`` runs it).
GNU ``msgattrib --untranslated`` misses a plural message with one empty form, hence this reader.
Standard library only, so it runs before Django is configured.
"""

import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def translations(self) -> list[str]:
        return [value for key, value in self.fields.items() if key.startswith("msgstr")]


def read_entries(text: str) -> list[Entry]:
    """The entries of a .po file in order, obsolete (``#~``) ones left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key = None

    def finish() -> None:
        nonlocal entry, key
        if entry is not None and "msgid" in entry.fields:
            entries.append(entry)
        entry, key = None, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        starts_entry = line.startswith("#") or line.startswith(("msgctxt", "msgid "))
        if starts_entry and entry is not None and entry.translations:
            finish()  # a new entry begins without a blank line before it
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if key is None:
                raise ValueError(f"line {number}: a string continues no keyword")
            entry.fields[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            if key == "msgid":
                entry.line = number
            entry.fields[key] = ast.literal_eval(value.strip())
    finish()
    return entries


def problems(text: str) -> list[str]:
    """One line per message that is untranslated (wholly or in a plural form) or fuzzy."""
    found = []
    for entry in read_entries(text):
        if not entry.msgid:
            continue  # the header
        if not all(entry.translations):
            what = "untranslated" if not any(entry.translations) else "a plural form untranslated"
            found.append(f"line {entry.line}: {what}: {entry.msgid!r}")
        if "fuzzy" in entry.flags:
            found.append(f"line {entry.line}: fuzzy: {entry.msgid!r}")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: messages_check.py CATALOGUE.po", file=sys.stderr)
        return 2
    path = Path(argv[0])
    found = problems(path.read_text(encoding="utf-8"))
    for problem in found:
        print(f"{path}: {problem}")
    if found:
        print(f"{len(found)} message(s) in {path} need a translation: translate them and unmark fuzzy")
        return 1
    print(f"Every message in {path} is translated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
