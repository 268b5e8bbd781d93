"""Fixtures of the operations tests, shared with other packages: the real worker's helpers
(tests.notifications.test_worker) and the admin's staff (tests.admin.conftest)."""

from tests.admin.conftest import board_owner, superuser  # noqa: F401 (fixtures)
from tests.notifications.test_worker import publisher, queue, sink  # noqa: F401 (fixtures)
