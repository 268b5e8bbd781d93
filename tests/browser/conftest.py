"""Shared settings for the headless-Chromium tests: Debian's /usr/bin/chromium, no browser download."""

from pathlib import Path

from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Screenshots the tests keep as artifacts (gitignored).
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
