"""Every page works under the Content Security Policy, which allows no inline script: the browser reports
no breach, and what each page's own script does (hide fields, show the print button, search offices,
draw charts, render the API's documentation) still happens. Markup injected into a page cannot run."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from grievances.models import Grievance
from tests.browser.test_accessibility import sign_in, world  # noqa: F401 - the pages' data and sign-in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installed before any page script runs: every breach the browser reports is kept for the test to read.
RECORD_BREACHES = """
window.__breaches = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__breaches.push(`${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${where}`);
});
"""


@pytest.fixture
def watched(page):
    page.add_init_script(RECORD_BREACHES)
    return page


def assert_no_breach(page, what: str) -> None:
    page.wait_for_load_state("load")
    breaches = page.evaluate("window.__breaches")
    assert breaches == [], f"{what} ({page.url}) breaks the Content Security Policy: {breaches}"


def test_the_policy_forbids_inline_scripts_on_every_kind_of_response(client, world):  # noqa: F811
    for url in ("/", "/grievances/new/?office=USSO-ULIPUR", "/track/", "/api/v1/offices/", "/admin/login/"):
        policy = client.get(url).headers["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'", url


def test_report_only_mode_reports_without_blocking(settings, world):  # noqa: F811
    settings.GRS_CSP_REPORT_ONLY = True
    response = Client().get("/track/")
    assert "Content-Security-Policy" not in response.headers
    assert "script-src 'self'" in response.headers["Content-Security-Policy-Report-Only"]


def test_the_citizens_pages_run_their_own_scripts_and_nothing_else(watched, world):  # noqa: F811
    page = watched
    page.goto("/grievances/new/?office=USSO-ULIPUR")
    contact = page.locator("#contact")
    expect(contact).to_be_visible()
    page.locator("[name=type][value=anonymous]").check()
    expect(contact).to_be_hidden()  # static/js/filing-form.js ran
    page.locator("[name=subject]").fill("ভাতা পাচ্ছি না")
    page.locator("[name=description]").fill("মার্চ মাস থেকে ভাতা পাচ্ছি না।")
    page.locator("form.filing button[type=submit]").click()
    expect(page.locator("button.print")).to_be_visible()  # static/js/print-button.js ran
    assert_no_breach(page, "the filing form and its receipt")

    page.goto("/track/")
    assert_no_breach(page, "the tracking page")


def test_a_grievance_carrying_markup_shows_it_as_text_and_runs_none_of_it(watched, live_server, world):  # noqa: F811
    page = watched
    late = world["late"]
    subject = '<img src=x onerror="window.__ran=1"><script>window.__ran=2</script>'
    Grievance.objects.filter(pk=late.pk).update(subject=subject)
    sign_in(page, live_server, world["gro"])
    page.goto(f"/inbox/{late.tracking_number}/")
    expect(page.get_by_text(subject).first).to_be_visible()
    assert page.evaluate("window.__ran") is None
    assert_no_breach(page, "a grievance whose subject carries markup")

    # Had the markup reached the page as markup, the policy is the second wall: an inline script is refused.
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = 3";
          document.body.append(script);
        }"""
    )
    assert page.evaluate("window.__ran") is None
    breaches = page.evaluate("window.__breaches")
    assert any(breach.startswith("script-src-elem refused inline") for breach in breaches), breaches


def test_the_officials_pages_run_their_own_scripts(watched, live_server, world):  # noqa: F811
    page = watched
    sign_in(page, live_server, world["operator"])
    page.goto("/udc/")
    page.locator("#q").fill("Ulipur")
    expect(page.locator("#office-results a")).to_have_count(1)  # static/js/console.js searched as one types
    assert_no_breach(page, "the UDC console")

    sign_in(page, live_server, world["gro"])
    page.goto("/inbox/")
    expect(page.locator("table.inbox tbody tr")).to_have_count(2)
    assert_no_breach(page, "the inbox")
    page.goto("/dashboard/")
    expect(page.locator(".chart.drawn").first).to_be_visible()  # Chart.js and static/js/dashboard.js ran
    assert_no_breach(page, "the dashboard")


def test_the_api_documentation_and_the_admin_work_under_the_policy(watched, live_server):
    page = watched
    page.goto("/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    assert_no_breach(page, "the API documentation")

    admin = UserFactory(username="admin-csp", is_staff=True, is_superuser=True)
    sign_in(page, live_server, admin)
    page.goto("/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    assert_no_breach(page, "the admin")
