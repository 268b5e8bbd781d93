"""One settings module for every environment; the environment decides (docs/operations.md).

With no variables set this is the embedded local default: SQLite file, eager Celery, local-memory
cache, console email, DEBUG on. Production sets DATABASE_URL, CELERY_BROKER_URL, CACHE_URL,
EMAIL_URL, SECRET_KEY, ALLOWED_HOSTS and DJANGO_DEBUG=false, and `check --deploy` passes; with DEBUG
off, any of the first four left at its embedded default fails every system check (`config.checks`).
"""

import datetime as dt
import tempfile
from pathlib import Path

from config.env import BASE_DIR, env
from config.logs import logging_config

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
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "config.apps.ConfigConfig",
    "simple_history",
    "restaurants",
    "bookings",
    "notifications",
    "opsportal",
    "guestportal",
]

MIDDLEWARE = [
    "config.logs.RequestIdMiddleware",  # first: every line of the request carries its id
    "config.middleware.RequestGuardMiddleware",  # null bytes, oversized bodies: 400/413 before any view
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RestaurantTimezoneMiddleware",  # admin pages render in the restaurant's zone
    "django_otp.middleware.OTPMiddleware",
    "opsportal.second_factor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records the signed-in user on the change history rows a request writes (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
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
    # Server-side parameters and prepared statements: psycopg prepares a statement the fifth time it
    # runs on a connection, so PostgreSQL parses and plans the hot path's queries (the day's read is
    # nine branches) once per connection, not per request (DESIGN 13). Django leaves preparing off
    # unless OPTIONS sets `prepare_threshold`. Both off for a pooler in transaction mode (pgbouncer).
    if env.bool("DATABASE_SERVER_SIDE_BINDING", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
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
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out account-and-address is refused
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "admin:bookings_booking_changelist"  # the ops board, when the sign-in has no `next`
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Sign-in lockout (django-axes, DESIGN 12): AXES_FAILURE_LIMIT wrong passwords for one account from
# one address lock that pair out for AXES_COOLOFF_MINUTES, on every page that signs staff in (the
# staff sign-in page and the admin's). Attempts live in the database, so every web node sees them.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "config.http.client_ip"  # the one client-IP rule (TRUSTED_PROXY_COUNT)
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure kept for the admin (Axes > Access failures)
# The second factor (django-otp, DESIGN 12): owners and managers enrol a TOTP device at their first
# sign-in and confirm it at every sign-in (`opsportal.second_factor`). On by default once DEBUG is off.
STAFF_2FA_REQUIRED = env.bool("STAFF_2FA_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Tablekeeper")
OTP_STATIC_RECOVERY_CODES = 10

# --- I18n / time: store UTC, convert at the edges with the restaurant's ZoneInfo --------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["config.formats"]  # the 24-hour clock and the zone's name (config/formats)

# --- Request bodies: a booking is a few hundred bytes; the admin's largest form (a restaurant with
# its inlines, a day's bulk action) a few dozen kilobytes. Larger bodies answer 413 (config.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)

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
    "DEFAULT_PARSER_CLASSES": ["config.parsers.JSONParser"],
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
        # Password reset requests (opsportal.accounts), per client address and per account.
        "password_reset_ip": env.str("PASSWORD_RESET_IP_THROTTLE_RATE", default="10/hour"),
        "password_reset_account": env.str("PASSWORD_RESET_ACCOUNT_THROTTLE_RATE", default="3/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tablekeeper API",
    "DESCRIPTION": "Restaurant reservations: the public booking API and the staff ops API.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the drf-spectacular-sidecar package, served by the app: no CDN (DESIGN 12).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_edge_responses",  # 400/401/403/404/413/415 where they can happen
    ],
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
# Load balancers probe over plain HTTP on the node's own address: no redirect to HTTPS for them.
SECURE_REDIRECT_EXEMPT = [r"^health/"]
if env.bool("DJANGO_SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# --- Logging (config.logs): JSON lines when DEBUG is off, text lines with DEBUG on -----------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ValueError("LOG_FORMAT must be 'json' or 'text'")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Error tracking: sentry-sdk when SENTRY_DSN is set (config.sentry), without personal data ------
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_TRACES_SAMPLE_RATE = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    from config.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT, traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE)

# --- Health (config.health): /health/ready fails when the oldest queued notification is older --------
HEALTH_OUTBOX_MAX_AGE_SECONDS = env.int("HEALTH_OUTBOX_MAX_AGE_SECONDS", default=600)
