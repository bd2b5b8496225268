import pytest

from offices.models import Office
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


def test_children_get_paths_under_their_parent_and_subtree_is_one_query(django_assert_num_queries):
    ministry = OfficeFactory(code="MIN")
    dept = OfficeFactory(code="DEPT", parent=ministry, layer=Office.Layer.DIRECTORATE)
    district = OfficeFactory(code="DIST", parent=dept, layer=Office.Layer.DISTRICT)
    other = OfficeFactory(code="OTHER")

    assert dept.path.startswith(ministry.path) and district.path.startswith(dept.path)
    assert (ministry.depth, dept.depth, district.depth) == (1, 2, 3)
    with django_assert_num_queries(1):
        codes = list(Office.objects.subtree(ministry).values_list("code", flat=True))
    assert codes == ["MIN", "DEPT", "DIST"]
    assert other.code not in codes
    with django_assert_num_queries(1):
        assert [o.code for o in Office.objects.ancestors(district)] == ["MIN", "DEPT"]
