"""Fixtures shared by every test package: the bundled demo scenario, once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# `make test-fast` runs property tests with fewer examples (--hypothesis-profile=fast);
# `make test` and CI run the default 100 per test.
settings.register_profile("fast", max_examples=20)
# CI explores the same examples every run (a failure there reproduces here with CI=true) and
# never fails on a slow example: its machine is shared.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Tests expect English unless they ask for Chinese: the machine's locale must not decide.
os.environ["SMOGSIM_LANG"] = "en"

REPO = Path(__file__).resolve().parents[1]
DEMO_SCENARIO = REPO / "runs" / "demo.toml"


@pytest.fixture
def demo_spec_path() -> Path:
    """The bundled demo scenario, read in place (tests must not change it)."""
    return DEMO_SCENARIO


@pytest.fixture
def demo_copy(tmp_path) -> Path:
    """The demo scenario and its data copied under ``tmp_path/runs``, so a test may spoil them."""
    runs = tmp_path / "runs"
    shutil.copytree(DEMO_SCENARIO.parent / "data", runs / "data")
    shutil.copy(DEMO_SCENARIO, runs / "demo.toml")
    return runs / "demo.toml"


# --- a real browser (report and console tests) -----------------------------------------------

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--no-first-run", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage")


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium driven through playwright; skipped with a note where there is none
    (CI installs it and fails instead)."""
    found = next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if found is None or sync_playwright is None:
        missing = "chromium" if found is None else "playwright"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {missing} is missing — .ci/run installs Debian's "
                        "chromium, the test extra installs playwright")
        pytest.skip(f"no {missing} (apt-get install chromium fonts-noto-cjk; pip install "
                    "playwright); CI runs this test")
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=found, args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()
