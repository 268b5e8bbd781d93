"""Shared settings for the headless-Chromium tests: the machine's Chromium, no browser download.

The executable comes from the `chromium_path` fixture (tests/conftest.py): `$CHROMIUM`, else
`chromium` or an alternate name on PATH; without one every `browser` test skips.

Accessibility checks inject axe-core (the npm package pinned in package.json / package-lock.json,
installed into node_modules/ by `npm ci`: `.ci/run` does it, and the `axe_source` fixture does it
once when it is missing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
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
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# What axe's impact levels an accessibility check refuses (moderate and minor are reported only).
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the lock file by `npm ci` if it is not there yet."""
    if not AXE.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("no npm to install axe-core (npm ci)")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=settings.BASE_DIR, check=True, capture_output=True, timeout=300
        )
    return AXE.read_text()


def axe_violations(page, axe: str, name: str) -> list[dict]:
    """Run axe-core on the page; every violation is written to test-artifacts/axe-<name>.json and
    those of BLOCKING_IMPACTS are returned as {id, impact, help, nodes}."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe)
    violations = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))
        }))"""
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(violations, indent=2))
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
