"""How the browser tests find Chromium (tests/conftest.py `find_chromium`; DESIGN 9). No browser runs."""

from __future__ import annotations

import pytest

from tests.conftest import find_chromium

lookup = find_chromium.__wrapped__  # the uncached function: each test sets its own PATH and CHROMIUM


def _executable(directory, name):
    path = directory / name
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def empty_path(tmp_path, monkeypatch):
    (tmp_path / "bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.delenv("CHROMIUM", raising=False)
    return tmp_path / "bin"


def test_none_found_without_chromium_on_path_or_in_the_environment(empty_path, monkeypatch):
    assert lookup() is None
    monkeypatch.setenv("CHROMIUM", "/nonexistent")
    assert lookup() is None


def test_an_alternate_name_on_path_is_found_and_chromium_comes_first(empty_path):
    alternate = _executable(empty_path, "chromium-browser")
    assert lookup() == alternate
    chromium = _executable(empty_path, "chromium")
    assert lookup() == chromium


def test_the_environment_variable_wins(empty_path, tmp_path, monkeypatch):
    _executable(empty_path, "chromium")
    monkeypatch.setenv("CHROMIUM", _executable(tmp_path, "my-chromium"))
    assert lookup() == str(tmp_path / "my-chromium")
