"""The citizens' app as a phone fetches it: the page, its manifest, its icons and its service worker."""

import gzip
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client
from PIL import Image

from citizens.app import APP_ASSETS

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return browser


def test_the_manifest_names_the_app_and_its_icons_which_exist_at_their_sizes(client):
    answer = client.get("/app/manifest.webmanifest")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/manifest+json")
    manifest = answer.json()
    assert manifest["name"] == "Grievance Redress System" and manifest["short_name"]
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == ("/app/", "/app/", "standalone")
    purposes = set()
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        assert path, icon["src"]
        with Image.open(path) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"] and image.format == "PNG"
        purposes.add(icon["purpose"])
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}


def test_the_manifest_speaks_the_users_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "bn"
    manifest = client.get("/app/manifest.webmanifest").json()
    assert manifest["lang"] == "bn" and manifest["name"] == "অভিযোগ প্রতিকার ব্যবস্থা"


def test_the_page_links_the_manifest_and_runs_no_inline_script(client):
    page = client.get("/app/").content.decode()
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in page
    scripts = re.findall(r"<script([^>]*)>", page)
    # Only files of the site's own, and the words of the app as data (which a browser does not run).
    assert all("src=" in attributes or 'type="application/json"' in attributes for attributes in scripts)
    assert 'id="app-text" type="application/json"' in page


def test_the_service_worker_is_served_from_the_apps_scope_and_keeps_every_asset(client):
    answer = client.get("/app/sw.js")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/javascript")
    assert "no-cache" in answer["Cache-Control"] or "max-age=0" in answer["Cache-Control"]
    worker = answer.content.decode()
    assert re.search(r'importScripts\("/static/js/sw-cache.js", "/static/js/citizen-outbox.js"\)', worker)
    for asset in APP_ASSETS:
        assert f'"{settings.STATIC_URL}{asset}"' in worker
        assert finders.find(asset), asset
    assert re.search(r'const CACHE = "grs-app-[0-9a-f]{12}"', worker)


def test_the_app_weighs_under_100_kb_on_the_wire(client):
    """What a phone downloads to open the app the first time, compressed as the web server sends it."""
    sizes = {"/app/": len(gzip.compress(client.get("/app/").content))}
    page = client.get("/app/").content.decode()
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page):
        path = finders.find(url.removeprefix(settings.STATIC_URL))
        with open(path, "rb") as asset:
            body = asset.read()
        sizes[url] = len(body) if url.endswith(".png") else len(gzip.compress(body))
    assert "/static/js/citizen-app.js" in sizes and "/static/css/grs.css" in sizes
    assert sum(sizes.values()) < 100 * 1024, sizes


def test_the_home_page_offers_the_app_to_install(client):
    """A phone's browser that opens the site offers to install the app, and the page links to it."""
    home = client.get("/").content.decode()
    assert '<link rel="manifest" href="/app/manifest.webmanifest">' in home
    assert 'href="/app/"' in home
