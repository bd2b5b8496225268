"""Sequences of calls that build on each other: a grievance is filed, then tracked with its access code,
read and acted on by its GRO, and answered, rated or appealed by its complainant, in any order."""

import json

import hypothesis
import pytest
import schemathesis
from django.db import transaction
from werkzeug.test import Client

from tests.api_fuzz.conftest import InTestTransactionApp, fuzz_config
from tests.api_fuzz.test_schema_fuzz import CHECKS

pytestmark = pytest.mark.django_db

ACTIONS = ["accept", "request_info", "hearing", "forward", "resolve", "reject", "close", "decide_appeal"]
COMPLAINANT_ACTIONS = ["reply", "feedback", "appeal"]


def _link(operation: str, *, code: str = "") -> dict:
    """An OpenAPI link from a filing's answer to ``operation`` on the grievance it filed."""
    link = {"operationId": f"v1_{operation}", "parameters": {"path.tracking_number": "$response.body#/tracking_number"}}
    if code == "query":
        link["parameters"]["query.code"] = "$response.body#/access_code"
    elif code == "body":
        link["requestBody"] = {"code": "$response.body#/access_code"}
        link["x-schemathesis"] = {"merge_body": True}
    return link


def with_links(raw: dict) -> dict:
    """The schema, with links from a filing to all that can be done with the grievance next.

    Links from the actions onwards would make every action a place to start from (with a random
    tracking number), so the filing would rarely come first; several links from one filing make the
    same sequences (file, accept, resolve, rate) instead.
    """
    links = {"Track": _link("track_retrieve", code="query"), "Read": _link("grievances_retrieve")}
    links |= {name.title().replace("_", ""): _link(f"grievances_{name}_create") for name in ACTIONS}
    links |= {name.title(): _link(f"track_{name}_create", code="body") for name in COMPLAINANT_ACTIONS}
    raw["paths"]["/api/v1/grievances/"]["post"]["responses"]["201"]["links"] = links
    return raw


def test_file_then_follow_the_grievance(world):
    app = InTestTransactionApp()
    answer = Client(app).get("/api/schema/", headers={"Accept": "application/vnd.oai.openapi+json"})
    config = fuzz_config(
        max_examples=25,
        filing_offices=["DSS"],
        # The versions a grievance has early in its life, half the time: an action that names a version at
        # random is refused (409) before it does anything, and the sequences would seldom get past the filing.
        known={"body.version": [1, 2, 3]},
        # Only the links above: inferred ones would start scenarios elsewhere.
        phases={"stateful": {"inference": {"algorithms": ["location-headers"]}, "generation": {"mode": "positive"}}},
    )
    schema = schemathesis.openapi.from_dict(with_links(json.loads(answer.get_data())), config=config)
    schema.app = app
    answered = set()

    class Workflow(schema.as_state_machine()):
        # Each scenario starts from the same world, so Hypothesis can replay and shrink it (a filing's
        # Idempotency-Key left from an earlier scenario would answer differently).
        def setup(self):
            self.scenario = transaction.atomic()
            self.scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.scenario.__exit__(None, None, None)

        def get_call_kwargs(self, case):
            # The GRO of DSS files too (filing is open to everyone), so the grievances filed at DSS are theirs.
            return {"headers": {"Accept-Language": "en", "Authorization": f"Token {world['gro']}"}}

        def after_call(self, response, case):
            answered.add((case.operation.label, response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=25,
            stateful_step_count=10,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
    # The sequences got past the filing: grievances were filed, then tracked and acted on.
    assert ("POST /api/v1/grievances/", 201) in answered
    assert ("GET /api/v1/track/{tracking_number}/", 200) in answered
    assert ("POST /api/v1/grievances/{tracking_number}/accept/", 200) in answered
