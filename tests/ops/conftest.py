"""Fixtures of the operations tests, shared with other packages: the admin's staff
(tests.admin.conftest). The real worker's fixtures come from tests/conftest.py."""

from tests.admin.conftest import board_owner, superuser  # noqa: F401 (fixtures)
