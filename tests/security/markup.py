"""Markup that tries to run script from wherever a user can type text, and what a page must show of it.

Each payload sets the global ``__xss`` (or calls ``alert``) if it ever runs: in a ``<script>``, as an
element's event handler, by breaking out of an attribute (``" autofocus onfocus=…``), as a ``javascript:``
link, and inside Bangla text. Together they stay under 200 characters, so they fit a subject or an
office's name whole.
"""

import json

PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=__xss=1>",
    "<svg onload=__xss=2>",
    '" autofocus onfocus=__xss=3 x="',
    "' autofocus onfocus=__xss=4 x='",
    "javascript:__xss=5",
    "ভাতা<script>__xss=6</script>পাইনি",
)
HOSTILE = " ".join(PAYLOADS)


def hostile(label: str) -> str:
    """Every payload, after a label that says which field it was typed into."""
    return f"{label} {HOSTILE}"


def hostile_link(label: str) -> str:
    """Every payload, in text that is itself a ``javascript:`` URL, should a page ever make it a link."""
    return f"javascript:__xss=10//{label} {HOSTILE}"


# Valid for Django's e-mail check (a quoted local part may hold markup), so it is stored and shown.
HOSTILE_EMAIL = '"<svg/onload=__xss=7>"@example.com'

# Installed before any page script: the policy's breaches and every dialog are recorded for the test.
WATCH = """
window.__breaches = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__breaches.push(`${e.effectiveDirective} refused ${e.blockedURI || "inline"} at ${where}`);
});
"""

# What a payload would leave behind had it reached the page as markup.
INSPECT = r"""() => {
  const planted = document.querySelectorAll(
    '[onerror], [onload], [onfocus], [autofocus], img[src="x"], script:not([src]):not([type="application/json"])'
  );
  const active = /^[\s\u0000-\u001f]*javascript:/i;
  const links = [...document.querySelectorAll("[href], [src], [action], [formaction]")].filter((el) =>
    ["href", "src", "action", "formaction"].some((name) => active.test(el.getAttribute(name) || ""))
    || (el instanceof HTMLAnchorElement && el.protocol === "javascript:"));
  return {
    ran: window.__xss === undefined ? null : String(window.__xss),
    breaches: window.__breaches || [],
    planted: [...planted].map((el) => el.outerHTML.slice(0, 200)),
    javascriptLinks: links.map((el) => el.outerHTML.slice(0, 200)),
    text: document.body.innerText,
  };
}"""


def _flat(text: str) -> str:
    return " ".join(text.split())


class Inert:
    """A browser page whose Content Security Policy is sent as report-only, so that the escaping alone stands
    between a payload and the page: had any payload reached the page as markup, it would run and set
    ``__xss``; the browser still reports what the policy would have refused, and that is recorded too."""

    def __init__(self, page):
        self.page = page
        self.dialogs: list[str] = []
        page.add_init_script(WATCH)
        page.on("dialog", self._dialog)
        page.route("**/*", self._report_only)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @staticmethod
    def _report_only(route) -> None:
        if route.request.resource_type != "document":
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)
        policy = headers.pop("content-security-policy", None)
        if policy:
            headers["content-security-policy-report-only"] = policy
        route.fulfill(response=response, headers=headers)

    def check(self, what: str, *shown: str) -> str:
        """Nothing on the page ran, was planted or links to ``javascript:``, and each of ``shown`` is on the
        page as the very text that was typed. Returns the page's text."""
        page = self.page
        page.wait_for_load_state("networkidle")  # a broken image's onerror, an autofocus: all have fired by now
        found = page.evaluate(INSPECT)
        where = f"{what} ({page.url})"
        assert found["ran"] is None, f"a payload ran on {where}: __xss = {found['ran']}"
        assert self.dialogs == [], f"a payload opened a dialog on {where}: {self.dialogs}"
        assert found["breaches"] == [], f"{where} would break the Content Security Policy: {found['breaches']}"
        assert found["planted"] == [], f"markup from a payload became elements on {where}: {found['planted']}"
        assert found["javascriptLinks"] == [], f"{where} links to javascript: {found['javascriptLinks']}"
        text = _flat(found["text"])
        for value in shown:
            assert _flat(value) in text, f"{where} does not show, as typed: {json.dumps(value, ensure_ascii=False)}"
        return text
