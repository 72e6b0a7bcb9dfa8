"""The Celery application: `celery -A tongxin worker` and `celery -A tongxin beat` (docs/deploy.md, "Background jobs").

It loads Django (the settings from the TONGXIN_* environment, every app's `jobs.py`) and hands Celery the
application of `tongxin.core.jobs`, which needs TONGXIN_CELERY_BROKER_URL.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tongxin.settings")
django.setup()

from tongxin.core.jobs import celery_app  # noqa: E402  (needs the settings loaded above)

app = celery_app()
