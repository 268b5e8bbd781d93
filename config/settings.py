"""One settings module for every environment; the environment decides (see README "Configuration").

With no variables set this is the embedded local default: SQLite file, eager Celery, local-memory
cache, console email, DEBUG on. Production sets DATABASE_URL, CELERY_BROKER_URL, CACHE_URL,
EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and DJANGO_DEBUG=false, and `check --deploy` passes.
"""

import tempfile
from pathlib import Path

from config.env import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-local-development-key-never-use-in-production"
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else None)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "simple_history",
    "restaurants",
    "bookings",
    "notifications",
    "opsportal",
    "guestportal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the signed-in user on the change history rows a request writes (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE makes every atomic block take SQLite's write lock up front, so concurrent
    # requests on the embedded default queue up instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttles); Redis in production ---------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "admin:bookings_booking_changelist"  # the ops board, when the sign-in has no `next`
LOGOUT_REDIRECT_URL = "/accounts/login/"

# --- I18n / time: store UTC, convert at the edges with the restaurant's ZoneInfo --------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise serves them; no separate web server needed) ---------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Email ----------------------------------------------------------------------------------
vars().update(env.email("EMAIL_URL", default="consolemail://"))
if env.str("EMAIL_BACKEND", default=""):  # an ESP through django-anymail (README "Notifications")
    EMAIL_BACKEND = env.str("EMAIL_BACKEND")
ANYMAIL = env.json("ANYMAIL", default={})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tablekeeper <bookings@tablekeeper.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery: eager when no broker is configured -----------------------------------------------
# No broker configured: tasks run eagerly in the web process; the in-memory URL only keeps kombu from
# looking for a broker on localhost.
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_SOFT_TIME_LIMIT = 45
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# Publishing with the broker down must fail within a couple of seconds, not hang the request: the
# notification row stays queued and the sweep below re-dispatches it (notifications.tasks.OutboxTask).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5, "max_retries": 1}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
NOTIFICATION_REDRIVE_AFTER_SECONDS = env.int("NOTIFICATION_REDRIVE_AFTER_SECONDS", default=60)
NOTIFICATION_MAX_RETRIES = env.int("NOTIFICATION_MAX_RETRIES", default=8)
NOTIFICATION_RETRY_BACKOFF_SECONDS = env.int("NOTIFICATION_RETRY_BACKOFF_SECONDS", default=2)
NOTIFICATION_RETRY_BACKOFF_MAX_SECONDS = 600
# The clock's jobs (DESIGN 11, docs/clock.md), each idempotent: an overlap or a late run is harmless.
# `expires`: a run beat queued while no worker was up is dropped, not piled up; the next one comes.
CLOCK_JOB_INTERVALS = {
    "pending_attention": 60.0,
    "request_expiry": 60.0,
    "reminders": 300.0,
    "end_of_day": 900.0,
    "review_requests": 900.0,
}
CELERY_BEAT_SCHEDULE = {
    "notifications-redrive": {
        "task": "notifications.tasks.redrive_notifications",
        "schedule": 60.0,
        "kwargs": {"older_than_seconds": NOTIFICATION_REDRIVE_AFTER_SECONDS},
    },
    **{
        f"clock-{job.replace('_', '-')}": {
            "task": f"notifications.tasks.clock_{job}",
            "schedule": seconds,
            "options": {"expires": seconds},
        }
        for job, seconds in CLOCK_JOB_INTERVALS.items()
    },
}
# Beat's state file lives outside the repository (a checkout stays clean, a read-only deploy works).
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(Path(tempfile.gettempdir()) / "tablekeeper-celerybeat-schedule")
)

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: its WWW-Authenticate header makes an anonymous call a 401, not a 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_THROTTLE_RATES": {
        "public_booking": env.str("PUBLIC_BOOKING_THROTTLE_RATE", default="20/min"),
        "availability": env.str("AVAILABILITY_THROTTLE_RATE", default="120/min"),
        "guest_token": env.str("GUEST_TOKEN_THROTTLE_RATE", default="30/min"),
        "ops_list": env.str("OPS_LIST_THROTTLE_RATE", default="120/min"),
        "ops_create": env.str("OPS_CREATE_THROTTLE_RATE", default="60/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tablekeeper API",
    "DESCRIPTION": "Restaurant reservations: the public booking API and the staff ops API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "BookingStatusEnum": "bookings.models.Booking.Status",
        "CancelledStatusEnum": [("cancelled", "Cancelled")],
    },
}

# --- Change history (django-simple-history): shown in the admin, never reverted from it --------
# A revert would write settings and memberships around the services that keep them consistent.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Bookings -------------------------------------------------------------------------------
BOOKING_VALIDATION_MODE = env.str("BOOKING_VALIDATION_MODE", default="unified")
if BOOKING_VALIDATION_MODE not in {"unified", "legacy"}:
    raise ValueError("BOOKING_VALIDATION_MODE must be 'unified' or 'legacy'")
BOOKING_PAST_GRACE_MINUTES = env.int("BOOKING_PAST_GRACE_MINUTES", default=5)
# Absolute links in emails (the manage link, the board): where the app is reached from outside.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# The web channel's per-email limit (DESIGN 10): bookings created in 24 hours for one guest email.
WEB_BOOKINGS_PER_EMAIL_PER_DAY = env.int("WEB_BOOKINGS_PER_EMAIL_PER_DAY", default=3)
# How many proxies in front of the app append to X-Forwarded-For (config.http.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# How long a booking transaction waits for the slot lock or a twin's idempotency key (PostgreSQL).
BOOKING_LOCK_TIMEOUT_MS = env.int("BOOKING_LOCK_TIMEOUT_MS", default=5000)

# --- Security: secure by default once DEBUG is off --------------------------------------------
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("DJANGO_CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# --- Logging: one line per event, key=value pairs, to stdout ---------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
