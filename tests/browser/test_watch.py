"""The browser tests' watch catches what it is there to catch: a failed load of the app's own."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import Watch

pytestmark = pytest.mark.browser

MISSING = "/static/no-such-file.js"


def test_a_failed_load_of_an_own_asset_fails_unless_the_test_asked_for_it(
    make_page: Callable[..., tuple[Page, Watch]],
) -> None:
    page, watch = make_page()
    watch.assert_clean()  # the page itself loaded everything it needs
    status = page.evaluate(f"fetch('{MISSING}').then(response => response.status)")
    assert status == 404
    with pytest.raises(AssertionError, match=f"404 .*{MISSING}"):
        watch.assert_clean()
    watch.expect_failed_load(MISSING, 503)  # another status is still a surprise
    with pytest.raises(AssertionError, match=MISSING):
        watch.assert_clean()
    watch.expect_failed_load("/static/*.js", 404)
    watch.assert_clean()
