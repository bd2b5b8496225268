"""Every operation of /api/schema/, fuzzed for each kind of caller: no answer is a 5xx, and every
answer is one the schema documents (status code, content type and body)."""

import os

import pytest
import schemathesis
from django.db import transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi import checks

from tests.api_fuzz.conftest import ROLES, InTestTransactionApp, fuzz_config

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]

schema = schemathesis.openapi.from_wsgi(
    "/api/schema/",
    InTestTransactionApp(),
    # 25 cases per operation and caller keep the run to a few minutes; raise it to hunt deeper.
    config=fuzz_config(max_examples=int(os.environ.get("GRS_FUZZ_EXAMPLES", "25"))),
    headers={"Accept": "application/vnd.oai.openapi+json"},
)


@pytest.fixture(params=["anonymous", *ROLES])
def role(request):
    return request.param


@schema.parametrize()
# The world is made once per operation and role (each case rolls its changes back).
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api(case, world, role):
    headers = {"Accept-Language": "en"}
    if role != "anonymous":
        headers["Authorization"] = f"Token {world[role]}"
    # Every case starts from the same world, so a failure replays while Hypothesis shrinks it.
    with transaction.atomic():
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            transaction.set_rollback(True)
