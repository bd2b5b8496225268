"""Date and number formats for GRS's two languages, found by Django through ``FORMAT_MODULE_PATH``.

Bangladesh writes dates day first, in English as in Bangla: 29 Nov 2026, 29/11/2026, never the US
11/29/2026. Only what differs from Django's own locale formats is set here; the rest falls through to
them. The formats give ASCII digits in both languages: the ``bn_digits`` filter
(:mod:`grs.templatetags.bangla`) writes them in Bangla digits where a Bangla reader sees them.
"""
