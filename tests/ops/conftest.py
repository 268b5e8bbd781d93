"""Fixtures of the operations tests: the real worker's helpers, shared with the notifications tests."""

from tests.notifications.test_worker import publisher, queue, sink  # noqa: F401 (fixtures)
