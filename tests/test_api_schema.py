"""The API describes itself: an OpenAPI schema without warnings and docs that need no CDN."""

import re

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_lists_the_public_contract_paths(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in [
        "/api/v1/offices/",
        "/api/v1/offices/{code}/",
        "/api/v1/offices/{code}/children/",
        "/api/v1/services/",
        "/api/v1/auth/token/",
    ]:
        assert path in paths, path
    assert "post" in paths["/api/v1/auth/token/"]
    listed = {param["name"] for param in paths["/api/v1/offices/"]["get"]["parameters"]}
    assert {"search", "layer", "parent", "page", "page_size"} <= listed
    listed = {param["name"] for param in paths["/api/v1/services/"]["get"]["parameters"]}
    assert {"office", "category"} <= listed


def test_schema_describes_office_and_service_fields(client):
    schemas = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["components"]["schemas"]
    office = schemas["OfficeOutput"]["properties"]
    assert {"code", "name_en", "name_bn", "layer", "parent"} <= set(office)
    assert office["parent"].get("nullable") is True
    service = schemas["ServiceOutput"]["properties"]
    assert {"id", "office", "name_en", "name_bn", "category", "programme", "timeframe_days", "g2p"} <= set(service)
    assert service["programme"].get("nullable") is True
    assert set(schemas["TokenInput"]["properties"]) == {"username", "password"}


def test_docs_page_loads_its_assets_from_this_server_only(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assets += re.findall(r"""(?:url|import)\s*\(\s*["']?([^"')]+)""", html)
    assert any("swagger-ui" in asset for asset in assets), assets
    assert not [asset for asset in assets if re.match(r"(https?:)?//", asset)]
    assert "cdn" not in html.lower()
    # The page's own script (a file, for the Content Security Policy) points Swagger UI at the schema.
    script = next(asset for asset in assets if asset.startswith("/api/docs/?script"))
    assert "/api/schema/" in client.get(script).content.decode()
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_the_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/offices/{code}/children/" in yaml.safe_load(target.read_text())["paths"]
