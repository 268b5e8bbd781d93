"""gunicorn's settings for the web unit (deploy/tablekeeper-web.service) and the CI run.

Logs: gunicorn's own lines go through the project's formatters (config.logs), JSON unless
LOG_FORMAT=text; its access log stays off, because the app logs one line per request with the
request id and the URL route (never the path or query string, which can hold a guest's data).
"""

import multiprocessing
import os

from config.logs import logging_config

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
max_requests = 2000  # recycle workers now and then; the jitter keeps them from restarting together
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = None
errorlog = "-"
logconfig_dict = logging_config(
    log_format=os.environ.get("LOG_FORMAT", "json"), level=os.environ.get("LOG_LEVEL", "INFO")
)
