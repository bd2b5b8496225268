"""/app/: the citizens' installable app — one page, its manifest and its service worker.

The page is a shell: every grievance, office and status it shows comes from the public REST API
(/api/v1/), so the app reads and files exactly what any other client may. What the shell carries is what
the API does not: its words in the user's language, and the names of the statuses and events.
"""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from grievances.models import EventKind
from grievances.workflow import Status
from grs.service_workers import service_worker_response

# Everything the app needs to open without a connection. The shell itself is kept by the service worker too.
APP_ASSETS = (
    "css/grs.css",
    "css/citizen-app.css",
    "js/citizen-outbox.js",
    "js/citizen-app.js",
    "icons/grs-192.png",
    "icons/grs-512.png",
    "icons/grs-maskable-512.png",
)
# Everything the app reads and sends goes through the public REST API under this root.
API_ROOT = "/api/v1/"
# Photos are made this small on the phone before they are sent: enough to read a card or a list.
PHOTO_MAX_SIDE = 1600
PHOTO_QUALITY = 0.8


def _words() -> dict[str, str]:
    """The app's own sentences, in the language of the request."""
    return {
        "offline": _("No connection. What you send now is kept on this phone and sent when the connection returns."),
        "waiting": _("Waiting for the connection — it will be sent once, when the connection returns."),
        "sending": _("Sending…"),
        "refused": _("Not sent:"),
        "edit": _("Edit"),
        "discard": _("Discard"),
        "done": _("Done"),
        "kind_file": _("Grievance"),
        "kind_reply": _("Answer to %(number)s"),
        "kind_feedback": _("Rating of %(number)s"),
        "kind_appeal": _("Appeal of %(number)s"),
        "sent_file": _("Your grievance was filed."),
        "sent_reply": _("Your answer to %(number)s was sent."),
        "sent_feedback": _("Your rating of %(number)s was sent. Thank you."),
        "sent_appeal": _("Your appeal of %(number)s was sent."),
        "tracking_number": _("Tracking number"),
        "access_code": _("Access code"),
        "access_code_keep": _(
            "Write this access code down: it is shown only once, and with the tracking number it lets you follow "
            "the grievance."
        ),
        "office": _("Office"),
        "holding": _("Office holding it"),
        "status": _("Status"),
        "due": _("Due date"),
        "submitted": _("Filed on"),
        "overdue": _("Overdue"),
        "updated": _("New update"),
        "no_results": _("No office matches these words."),
        "search_offline": _("Searching for an office needs the connection. Try again when it returns."),
        "choose_office": _("Choose the office first."),
        "no_service": _("Not sure / other"),
        "photo_added": _("Photo ready: %(size)s KB"),
        "photo_unreadable": _("This file is not a photo this phone can read."),
        "photos_max": _("At most %(count)s photos."),
        "remove": _("Remove"),
        "signed_in_as": _("Signed in with %(phone)s."),
        "code_sent": _("A code was sent by SMS to %(phone)s."),
        "sign_in_first": _("Sign in with your phone number to see every grievance filed with it."),
        "none_yet": _("No grievance yet."),
        "loading": _("Loading…"),
        "load_failed": _("Could not load this now. What you see was saved on this phone earlier."),
        "not_found": _("This grievance could not be found with the details on this phone."),
        "session_ended": _("Your sign-in has ended. Sign in again with your phone number."),
        "saved_at": _("Saved on this phone: %(when)s"),
        "reply_intro": _("The office asked for more information. Answer here."),
        "rate_intro": _("The office resolved your grievance. How satisfied are you?"),
        "appeal_intro": _("Not satisfied, or the deadline has passed? You can appeal to the Appeal Officer."),
        "queued": _("Kept on this phone. It will be sent when the connection returns."),
        "error": _("Something went wrong. Please try again."),
        "rating_required": _("Choose a rating from 1 to 5."),
        "required": _("This field is required."),
    }


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


@never_cache
def app_shell(request: HttpRequest) -> HttpResponse:
    """The app's one page. Its service worker keeps a copy for when the phone has no connection."""
    context = {
        "app_text": {
            "language": get_language() or settings.LANGUAGE_CODE,
            "api": API_ROOT,
            "sw": reverse("citizens:app-sw"),
            "scope": reverse("citizens:app"),
            "photo_max_side": PHOTO_MAX_SIDE,
            "photo_quality": PHOTO_QUALITY,
            "max_photos": settings.GRS_MAX_ATTACHMENTS,
            "words": _words(),
            "statuses": _labels(Status.choices),
            "events": _labels(EventKind.choices),
        },
    }
    return render(request, "citizens/app/shell.html", context)


def app_manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: what a phone needs to install the app on its home screen."""
    scope = reverse("citizens:app")
    manifest = {
        "name": _("Grievance Redress System"),
        "short_name": _("GRS"),
        "description": _("File a grievance against a government office and follow it to its redress."),
        "lang": get_language() or settings.LANGUAGE_CODE,
        "start_url": scope,
        "scope": scope,
        "id": scope,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#006a4e",
        "icons": [
            {"src": static("icons/grs-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("icons/grs-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static("icons/grs-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(manifest, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


@never_cache
def app_service_worker(request: HttpRequest) -> HttpResponse:
    """The app's service worker, served from the app's scope so that it may control the app's page."""
    context = {
        "shell_json": json.dumps(reverse("citizens:app")),
        "manifest_json": json.dumps(reverse("citizens:app-manifest")),
        "outbox_json": json.dumps(static("js/citizen-outbox.js")),
        "api_json": json.dumps(API_ROOT),
    }
    return service_worker_response(
        request, "citizens/app/sw.js", assets=APP_ASSETS, scope=reverse("citizens:app"), context=context
    )
