"""Service workers (the UDC console's, the citizens' app's): served from the scope they control, with a cache
named after the content of what they keep, so that a release installs a worker with fresh copies."""

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static

# The caching both workers share (static/js/sw-cache.js), loaded with importScripts.
CACHE_SCRIPT = "js/sw-cache.js"


def service_worker_response(
    request: HttpRequest, template: str, *, assets: tuple[str, ...], scope: str, context: dict
) -> HttpResponse:
    """``template`` rendered as the worker's script, with ``version`` (of ``assets`` and the shared script),
    ``assets_json`` (their URLs), ``static_json`` and ``cache_script_json`` besides ``context``."""
    urls = [static(path) for path in assets]
    digest = hashlib.sha256()
    for path, url in zip((*assets, CACHE_SCRIPT), (*urls, static(CACHE_SCRIPT)), strict=True):
        digest.update(url.encode())
        found = finders.find(path)
        if found:
            digest.update(Path(found).read_bytes())
    values = {
        "version": digest.hexdigest()[:12],
        "assets_json": json.dumps(urls),
        # The prefix, not static(""): once collectstatic has run, the manifest has no entry for "".
        "static_json": json.dumps(settings.STATIC_URL),
        "cache_script_json": json.dumps(static(CACHE_SCRIPT)),
        **context,
    }
    response = render(request, template, values, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = scope
    return response
