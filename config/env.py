"""The one place that reads the environment (django-environ).

Every setting has a safe local default so `make run` needs no variables; production sets the
names documented in README.md ("Configuration").
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False)
