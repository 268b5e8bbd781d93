"""Settings of the anchor app: Django's project defaults, PostgreSQL from DATABASE_URL, DEBUG off.

The database settings are Tablekeeper's but for one: persistent connections with health checks,
and no prepared statements (Tablekeeper's `DATABASE_SERVER_SIDE_BINDING`, which a bare project
does not set; it saves Tablekeeper's PostgreSQL time, not gunicorn's). The floor
(bench/anchor/floor.py) also uses Redis, as Tablekeeper does: `CACHE_URL` and `CELERY_BROKER_URL`.
"""

import environ

env = environ.Env()

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="anchor-bench-only-not-a-secret")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework.authtoken",  # the floor's token authentication (bench/anchor/floor.py)
    "bench.anchor",
]
# `startproject`'s middleware, as a bare Django app has it.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bench.anchor.urls"
WSGI_APPLICATION = "bench.anchor.wsgi.application"
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/tk_bench_anchor")}
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
USE_TZ = True
TIME_ZONE = "UTC"
REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
# The floor (bench/anchor/floor.py) only: its rate limit and its send task, on Redis like Tablekeeper's.
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
