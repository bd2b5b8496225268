"""Bangladesh's administrative geography, loaded from the bd-geocode CSV files into AdminUnit."""

import csv
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import NamedTuple

from django.db import transaction
from django.utils.translation import gettext as _

from grs import errors
from offices.models import AdminUnit

DATA_DIR = Path(__file__).resolve().parent / "data" / "bd-geocode"

Level = AdminUnit.Level
COORDINATE = Decimal("0.0000001")  # AdminUnit.latitude / longitude keep seven decimal places


class GeographyError(errors.ValidationError):
    code = "geography_invalid"


class LevelCount(NamedTuple):
    total: int
    created: int
    updated: int


@dataclass(frozen=True)
class _Source:
    level: str
    filename: str
    columns: int
    has_parent: bool
    has_coordinates: bool


# Top down, so that every level finds its parents already loaded. Column layouts are in
# data/bd-geocode/README.md; the files have no header row.
SOURCES = (
    _Source(Level.DIVISION, "divisions.csv", columns=4, has_parent=False, has_coordinates=False),
    _Source(Level.DISTRICT, "districts.csv", columns=7, has_parent=True, has_coordinates=True),
    _Source(Level.UPAZILA, "upazilas.csv", columns=5, has_parent=True, has_coordinates=False),
    _Source(Level.UNION, "unions.csv", columns=5, has_parent=True, has_coordinates=False),
)


@dataclass(frozen=True)
class _Row:
    line: int
    source_id: int
    parent_source_id: int | None
    name_en: str
    name_bn: str
    latitude: Decimal | None
    longitude: Decimal | None


def _bad_row(path: Path, line: int, problem: str) -> GeographyError:
    return GeographyError(
        _("%(file)s, line %(line)d: %(problem)s") % {"file": path.name, "line": line, "problem": problem}
    )


def _clean(name: str) -> str:
    # The data set spells some Bangla letters precomposed (ড় as U+09DC) and others with a nukta;
    # NFC gives every name one spelling, so that a search matches however the query was typed.
    return unicodedata.normalize("NFC", name).strip()


def _number(path: Path, line: int, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise _bad_row(path, line, _("“%(text)s” is not a whole number.") % {"text": text}) from None


def _coordinate(path: Path, line: int, text: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        return Decimal(text).quantize(COORDINATE)
    except InvalidOperation:
        raise _bad_row(path, line, _("“%(text)s” is not a coordinate.") % {"text": text}) from None


def _read(data_dir: Path, source: _Source) -> list[_Row]:
    path = data_dir / source.filename
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            raw = list(csv.reader(handle))
    except OSError as exc:
        raise GeographyError(_("Cannot read %(file)s: %(error)s") % {"file": path, "error": exc.strerror}) from exc
    rows, seen = [], set()
    for line, fields in enumerate(raw, start=1):
        if not fields:
            continue
        if len(fields) != source.columns:
            raise _bad_row(
                path,
                line,
                _("expected %(expected)d fields, found %(found)d.")
                % {"expected": source.columns, "found": len(fields)},
            )
        source_id = _number(path, line, fields[0])
        if source_id in seen:
            raise _bad_row(path, line, _("id %(id)d appears twice.") % {"id": source_id})
        seen.add(source_id)
        names = fields[2:4] if source.has_parent else fields[1:3]
        rows.append(
            _Row(
                line=line,
                source_id=source_id,
                parent_source_id=_number(path, line, fields[1]) if source.has_parent else None,
                name_en=_clean(names[0]),
                name_bn=_clean(names[1]),
                latitude=_coordinate(path, line, fields[4]) if source.has_coordinates else None,
                longitude=_coordinate(path, line, fields[5]) if source.has_coordinates else None,
            )
        )
    return rows


def _load_level(
    source: _Source, rows: list[_Row], *, parents: dict[int, int], parent_file: str, data_dir: Path
) -> LevelCount:
    """Create the level's missing units and correct changed ones; unchanged rows are not written."""
    existing = {unit.source_id: unit for unit in AdminUnit.objects.filter(level=source.level)}
    new, changed = [], []
    fields = ["parent_id", "name_en", "name_bn", "latitude", "longitude"]
    for row in rows:
        parent_id = None
        if row.parent_source_id is not None:
            parent_id = parents.get(row.parent_source_id)
            if parent_id is None:
                raise _bad_row(
                    data_dir / source.filename,
                    row.line,
                    _("id %(id)d names parent %(parent)d, which %(parent_file)s does not have.")
                    % {"id": row.source_id, "parent": row.parent_source_id, "parent_file": parent_file},
                )
        values = {
            "parent_id": parent_id,
            "name_en": row.name_en,
            "name_bn": row.name_bn,
            "latitude": row.latitude,
            "longitude": row.longitude,
        }
        unit = existing.get(row.source_id)
        if unit is None:
            new.append(AdminUnit(level=source.level, source_id=row.source_id, **values))
        elif any(getattr(unit, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(unit, field, value)
            changed.append(unit)
    AdminUnit.objects.bulk_create(new, batch_size=500)
    AdminUnit.objects.bulk_update(changed, fields=fields, batch_size=500)
    return LevelCount(total=len(rows), created=len(new), updated=len(changed))


@transaction.atomic
def geography_load(*, data_dir: Path = DATA_DIR) -> dict[str, LevelCount]:
    """Load divisions, districts, upazilas and unions from ``data_dir``; a second run writes nothing.

    Units are matched on (level, CSV id); units the files no longer list are left alone, since
    offices may point at them. Returns the rows read, created and updated per level.
    """
    data_dir = Path(data_dir)
    counts: dict[str, LevelCount] = {}
    parents: dict[int, int] = {}
    parent_file = ""
    for source in SOURCES:
        rows = _read(data_dir, source)
        counts[source.level] = _load_level(source, rows, parents=parents, parent_file=parent_file, data_dir=data_dir)
        parents = dict(AdminUnit.objects.filter(level=source.level).values_list("source_id", "pk"))
        parent_file = source.filename
    return counts


def geography_summary(counts: dict[str, LevelCount]) -> str:
    """One line for an operator: how many units per level, and how many were created or updated."""
    created = sum(count.created for count in counts.values())
    updated = sum(count.updated for count in counts.values())
    return _(
        "Geography: divisions %(divisions)s, districts %(districts)s, upazilas %(upazilas)s, "
        "unions %(unions)s (%(created)s created, %(updated)s updated)."
    ) % {
        "divisions": f"{counts[Level.DIVISION].total:,}",
        "districts": f"{counts[Level.DISTRICT].total:,}",
        "upazilas": f"{counts[Level.UPAZILA].total:,}",
        "unions": f"{counts[Level.UNION].total:,}",
        "created": f"{created:,}",
        "updated": f"{updated:,}",
    }
