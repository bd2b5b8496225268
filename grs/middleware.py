"""Language choice: Bangla first on every page, English when the user picks it."""

from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
