"""Shared settings for the headless-Chromium tests: the machine's Chromium, no browser download.

The executable comes from the `chromium_path` fixture (tests/conftest.py): `$CHROMIUM`, else
`chromium` or an alternate name on PATH; without one every `browser` test skips.
"""

from pathlib import Path

from django.conf import settings

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
