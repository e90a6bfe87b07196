"""Browser tests: Playwright for Python driving Debian's chromium (never a
downloaded browser) against pytest-django's live server."""

import io
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("SPORTELLO_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # The live server needs committed data; serialized rollback restores
            # what migrations created (Wagtail's root page, groups, workflow)
            # after each browser test flushes the database.
            item.add_marker(
                pytest.mark.django_db(transaction=True, serialized_rollback=True)
            )


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium (`apt-get install "
            "chromium`); .ci/run does it for CI."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def live_demo(live_server):
    """The live server with the demo loaded, as after `make run`."""
    call_command("load_demo", stdout=io.StringIO())
    return live_server


@pytest.fixture
def new_page(browser, request):
    """Open pages in fresh browser contexts (one per person in the test); save a
    screenshot of each at the end of the test under tests/browser/screenshots/."""
    contexts = []

    def make(locale: str = "en-GB"):
        context = browser.new_context(
            locale=locale, viewport={"width": 1200, "height": 900}
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    SCREENSHOTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    for index, context in enumerate(contexts):
        for page_index, page in enumerate(context.pages):
            suffix = f"-{index}-{page_index}" if len(contexts) > 1 or page_index else ""
            page.screenshot(
                path=str(SCREENSHOTS / f"{name}{suffix}.png"), full_page=True
            )
        context.close()
