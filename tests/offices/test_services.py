"""Office services keep the materialised path right; tree reads are single indexed queries."""

import pytest

from grs import errors
from offices.models import PATH_STEP, Office
from offices.services import OfficeError, office_create, office_ensure

pytestmark = pytest.mark.django_db


def create(code: str, parent: Office | None = None, layer: str = Office.Layer.DISTRICT, **extra) -> Office:
    return office_create(
        code=code, name_en=f"{code} office", name_bn=f"{code} দপ্তর", layer=layer, parent=parent, **extra
    )


def test_children_go_under_the_parent_path_in_creation_order():
    ministry = create("MIN", layer=Office.Layer.MINISTRY)
    other = create("OTHER", layer=Office.Layer.MINISTRY)
    children = [create(code, parent=ministry) for code in ["ZETA", "ALPHA", "MID"]]
    grandchild = create("ALPHA-UZ", parent=children[1], layer=Office.Layer.UPAZILA)

    assert len(ministry.path) == PATH_STEP and ministry.depth == 1
    assert other.path > ministry.path
    for child in children:
        assert child.path.startswith(ministry.path)
        assert len(child.path) == 2 * PATH_STEP and child.depth == 2
        assert child.parent == ministry
    assert [c.path for c in children] == sorted(c.path for c in children)
    assert grandchild.path.startswith(children[1].path) and grandchild.depth == 3
    assert list(Office.objects.filter(parent=ministry).values_list("code", flat=True)) == ["ZETA", "ALPHA", "MID"]


def test_a_new_child_follows_the_last_sibling_even_after_a_gap():
    ministry = create("MIN", layer=Office.Layer.MINISTRY)
    first, second = create("A", parent=ministry), create("B", parent=ministry)
    Office.objects.filter(pk=first.pk).delete()
    third = create("C", parent=ministry)
    assert third.path > second.path
    assert Office.objects.get(code="B").path == second.path


def test_codes_are_stripped_and_uppercased():
    office = create("  dss-kurigram ", layer=Office.Layer.DISTRICT)
    assert office.code == "DSS-KURIGRAM"


def test_a_duplicate_code_is_refused_in_any_case():
    create("DSS", layer=Office.Layer.DIRECTORATE)
    with pytest.raises(OfficeError) as refused:
        create("dss", layer=Office.Layer.DIRECTORATE)
    assert isinstance(refused.value, errors.ValidationError)
    assert refused.value.field == "code"
    assert str(refused.value) == "An office with code DSS exists already."
    assert Office.objects.count() == 1


def test_an_unknown_layer_is_refused():
    with pytest.raises(OfficeError) as refused:
        create("X", layer="galaxy")
    assert isinstance(refused.value, errors.ValidationError)
    assert refused.value.field == "layer"
    assert "galaxy" in str(refused.value)
    assert not Office.objects.exists()


def test_an_empty_code_is_refused():
    with pytest.raises(OfficeError) as refused:
        create("   ")
    assert refused.value.field == "code"


def test_office_ensure_is_idempotent_and_updates_names():
    ministry = create("MOSW", layer=Office.Layer.MINISTRY)
    first = office_ensure(
        code="dss", name_en="Dept of Social Services", name_bn="সমাজসেবা", layer="directorate", parent=ministry
    )
    again = office_ensure(
        code="DSS", name_en="Dept of Social Services", name_bn="সমাজসেবা", layer="directorate", parent=ministry
    )
    assert again.pk == first.pk and again.path == first.path
    renamed = office_ensure(
        code="DSS",
        name_en="Department of Social Services",
        name_bn="সমাজসেবা অধিদফতর",
        layer="directorate",
        parent=ministry,
    )
    assert renamed.pk == first.pk
    assert Office.objects.get(code="DSS").name_en == "Department of Social Services"
    assert Office.objects.filter(code="DSS").count() == 1


def test_office_ensure_refuses_an_existing_code_under_another_parent():
    mosw = create("MOSW", layer=Office.Layer.MINISTRY)
    mofood = create("MOFOOD", layer=Office.Layer.MINISTRY)
    office_ensure(code="DSS", name_en="DSS", name_bn="DSS", layer="directorate", parent=mosw)
    with pytest.raises(OfficeError) as refused:
        office_ensure(code="DSS", name_en="DSS", name_bn="DSS", layer="directorate", parent=mofood)
    assert isinstance(refused.value, errors.ValidationError)
    assert "another parent" in str(refused.value)
    with pytest.raises(OfficeError):
        office_ensure(code="DSS", name_en="DSS", name_bn="DSS", layer="directorate", parent=None)
    assert Office.objects.get(code="DSS").parent == mosw


@pytest.fixture
def tree():
    """A > (A1 > A1x, A1y), (A2); B > B1; plus AB, a root whose code shares A's prefix."""
    a = create("A", layer=Office.Layer.MINISTRY)
    a1 = create("A1", parent=a)
    a1x = create("A1X", parent=a1, layer=Office.Layer.UPAZILA)
    a1y = create("A1Y", parent=a1, layer=Office.Layer.UPAZILA)
    a2 = create("A2", parent=a)
    b = create("B", layer=Office.Layer.MINISTRY)
    b1 = create("B1", parent=b)
    return {o.code: o for o in [a, a1, a1x, a1y, a2, b, b1]}


def codes(queryset) -> list[str]:
    return [office.code for office in queryset]


def test_subtree_descendants_and_ancestors_are_right_and_one_query_each(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert codes(Office.objects.subtree(tree["A"])) == ["A", "A1", "A1X", "A1Y", "A2"]
    with django_assert_num_queries(1):
        assert codes(Office.objects.subtree(tree["A1"])) == ["A1", "A1X", "A1Y"]
    with django_assert_num_queries(1):
        assert codes(Office.objects.subtree(tree["A1X"])) == ["A1X"]
    with django_assert_num_queries(1):
        assert codes(Office.objects.descendants(tree["A"])) == ["A1", "A1X", "A1Y", "A2"]
    with django_assert_num_queries(1):
        assert codes(Office.objects.descendants(tree["B1"])) == []
    with django_assert_num_queries(1):
        assert codes(Office.objects.ancestors(tree["A1Y"])) == ["A", "A1"]
    assert codes(Office.objects.ancestors(tree["B"])) == []


def test_tree_reads_compose_with_other_filters(tree):
    Office.objects.filter(code="A1Y").update(active=False)
    assert codes(Office.objects.active().subtree(tree["A"])) == ["A", "A1", "A1X", "A2"]
    assert codes(Office.objects.subtree(tree["A"]).filter(layer=Office.Layer.UPAZILA)) == ["A1X", "A1Y"]


def test_subtree_is_a_prefix_match_on_the_path_not_a_walk(tree, django_assert_num_queries):
    with django_assert_num_queries(1) as captured:
        list(Office.objects.subtree(tree["A1"]))
    sql = captured.captured_queries[0]["sql"]
    assert "LIKE" in sql.upper()
    assert '"parent_id"' not in sql.split("WHERE", 1)[1]
