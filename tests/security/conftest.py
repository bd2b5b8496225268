"""The browser tests here drive the same system Chromium as tests/browser/."""

from tests.browser.conftest import chromium, page  # noqa: F401 - fixtures shared with tests/browser
