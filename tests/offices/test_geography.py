"""load_geography: the bd-geocode data set becomes the AdminUnit tree, and loading it again writes nothing."""

import unicodedata
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from offices.models import AdminUnit

pytestmark = pytest.mark.django_db

Level = AdminUnit.Level


def load(**options) -> str:
    out = StringIO()
    call_command("load_geography", stdout=out, **options)
    return out.getvalue()


def all_units() -> list[tuple]:
    return list(AdminUnit.objects.order_by("pk").values_list())


def test_every_level_is_loaded_with_bangla_names_and_parents():
    output = load()

    assert "divisions 8, districts 64, upazilas 494, unions 4,540" in output
    per_level = dict(AdminUnit.objects.values_list("level").annotate(n=Count("id")))
    assert per_level == {Level.DIVISION: 8, Level.DISTRICT: 64, Level.UPAZILA: 494, Level.UNION: 4540}

    kurigram = AdminUnit.objects.get(level=Level.DISTRICT, source_id=60)
    assert (kurigram.name_en, kurigram.name_bn) == ("Kurigram", "কুড়িগ্রাম")
    assert (kurigram.parent.level, kurigram.parent.name_en, kurigram.parent.name_bn) == (
        Level.DIVISION,
        "Rangpur",
        "রংপুর",
    )
    assert (kurigram.latitude, kurigram.longitude) == (Decimal("25.805445"), Decimal("89.636174"))

    upazilas = dict(kurigram.children.values_list("name_en", "name_bn"))
    assert len(upazilas) == 9
    assert upazilas["Ulipur"] == "উলিপুর"
    assert upazilas["Kurigram Sadar"] == "কুড়িগ্রাম সদর"

    holokhana = AdminUnit.objects.get(level=Level.UNION, source_id=4117)
    assert (holokhana.name_en, holokhana.name_bn) == ("Holokhana", "হলোখানা")
    assert holokhana.parent.name_en == "Kurigram Sadar"
    assert holokhana.parent.parent == kurigram
    assert holokhana.latitude is None
    assert not AdminUnit.objects.filter(level=Level.DIVISION, parent__isnull=False).exists()


def test_bangla_names_have_one_spelling_whichever_way_the_data_set_typed_them():
    load()
    # The data set types ড় (and য়, ঢ়) precomposed in some names and with a nukta in others.
    precomposed_kurigram = "কু\u09dcিগ্রাম"

    names = AdminUnit.objects.values_list("name_bn", flat=True)

    assert all(unicodedata.is_normalized("NFC", name) for name in names)
    assert AdminUnit.objects.get(name_bn=unicodedata.normalize("NFC", precomposed_kurigram)).source_id == 60


def test_loading_again_creates_and_changes_nothing():
    load()
    before = all_units()

    with CaptureQueriesContext(connection) as queries:
        output = load()

    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert all_units() == before
    assert "(0 created, 0 updated)" in output


def test_a_name_changed_in_the_database_is_set_back_from_the_data():
    load()
    AdminUnit.objects.filter(level=Level.UPAZILA, source_id=453).update(name_bn="ভুল নাম", name_en="Wrong")
    ids = dict(AdminUnit.objects.values_list("pk", "source_id"))

    output = load()

    ulipur = AdminUnit.objects.get(level=Level.UPAZILA, source_id=453)
    assert (ulipur.name_en, ulipur.name_bn) == ("Ulipur", "উলিপুর")
    assert dict(AdminUnit.objects.values_list("pk", "source_id")) == ids
    assert "(0 created, 1 updated)" in output


def write_data(folder: Path, *, districts: str) -> Path:
    (folder / "divisions.csv").write_text('"7","Rangpur","রংপুর","www.rangpurdiv.gov.bd"\n', encoding="utf-8")
    (folder / "districts.csv").write_text(districts, encoding="utf-8")
    (folder / "upazilas.csv").write_text("", encoding="utf-8")
    (folder / "unions.csv").write_text("", encoding="utf-8")
    return folder


def test_a_row_whose_parent_is_missing_stops_the_load_with_its_line(tmp_path):
    data = write_data(
        tmp_path,
        districts='"60","7","Kurigram","কুড়িগ্রাম","25.805445","89.636174","www.kurigram.gov.bd"\n'
        '"61","9","Nowhere","কোথাও না","","","www.example.gov.bd"\n',
    )

    with pytest.raises(CommandError) as refused:
        load(data_dir=data)

    assert str(refused.value) == "districts.csv, line 2: id 61 names parent 9, which divisions.csv does not have."
    assert not AdminUnit.objects.exists()


def test_a_row_with_missing_fields_is_refused(tmp_path):
    data = write_data(tmp_path, districts='"60","7","Kurigram"\n')

    with pytest.raises(CommandError, match=r"districts.csv, line 1: expected 7 fields, found 3\."):
        load(data_dir=data)
    assert not AdminUnit.objects.exists()


def test_another_data_folder_can_be_loaded(tmp_path):
    data = write_data(
        tmp_path, districts='"60","7","Kurigram","কুড়িগ্রাম","25.805445","89.636174","www.kurigram.gov.bd"\n'
    )

    output = load(data_dir=data)

    assert "divisions 1, districts 1, upazilas 0, unions 0 (2 created, 0 updated)" in output
    assert AdminUnit.objects.get(level=Level.DISTRICT).parent.name_bn == "রংপুর"
