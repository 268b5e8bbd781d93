"""Settings of the floor (`floor.py`): the anchor's, plus what the steps need, as Tablekeeper has them.

Token authentication (`rest_framework.authtoken`); the rate of the `floor_create` scope, raised out of
the way as bench/http.py raises Tablekeeper's; prepared statements, as Tablekeeper's
`DATABASE_SERVER_SIDE_BINDING` sets them; Redis as the cache (the rate limit) and the Celery broker
(the send task, queue `anchor-floor`): `CACHE_URL`, `CELERY_BROKER_URL`. bench/http.py serves the
floor with these from a gunicorn of its own and migrates the anchor's database with them (a superset
of the anchor's apps), so the anchor itself stays bare.
"""

from bench.anchor.settings import *  # noqa: F403
from bench.anchor.settings import DATABASES, INSTALLED_APPS, REST_FRAMEWORK, env

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework.authtoken"]
ROOT_URLCONF = "bench.anchor.floor"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"floor_create": "1000000/min"}}
DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default="redis://127.0.0.1:6379/8"),
        "KEY_PREFIX": "anchor",
    }
}
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/9")
CELERY_TASK_DEFAULT_QUEUE = "anchor-floor"
CELERY_TASK_IGNORE_RESULT = True
