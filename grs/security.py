"""The Content Security Policy header on every response, from ``GRS_CSP`` (see grs/settings.py).

Every script GRS serves is a file under static/, so the policy allows scripts from this site only and
no inline script: markup that slips through into a page (a grievance's text, an office's name) cannot
run. A view that needs another policy sets the header itself, and this middleware leaves it alone.
"""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only" if settings.GRS_CSP_REPORT_ONLY else "Content-Security-Policy"
        )

    def __call__(self, request):
        response = self.get_response(request)
        if settings.GRS_CSP and "Content-Security-Policy" not in response.headers:
            response.headers.setdefault(self.header, settings.GRS_CSP)
        return response
