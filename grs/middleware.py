"""Language choice: Bangla first on every page, English when the user picks it; a database that does
not answer is a 503 in that language, not a 500."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from grs.errors import DATABASE_DOWN, database_unavailable


class BanglaFirstLocaleMiddleware(LocaleMiddleware):
    """Pages speak Bangla unless the user chose otherwise (the language cookie).

    Phones in Bangladesh mostly announce ``Accept-Language: en-US`` whatever their owner reads, so
    pages ignore that header. The API honours it, so clients get errors in the language they ask for.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path_info.startswith("/api/"):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """A view that finds the database gone (PostgreSQL restarting, a failover, a dropped connection)
    answers 503 with ``Retry-After`` in the user's language instead of a 500 with a traceback.

    Placed after the language middleware, so the answer is in the language the page would have been.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_DOWN):
            return database_unavailable(request, exception)
        return None
