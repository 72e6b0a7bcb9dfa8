"""Settings of the bench's own gunicorn (`tongxin bench`): the site's, with the floors mounted.

Refuses to load unless TONGXIN_BENCH=1, which only `tongxin bench` sets for the server it starts, so
a deployment that picked this module by mistake fails at start-up rather than serving the floors.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from tongxin.settings import *  # noqa: F403

if os.environ.get("TONGXIN_BENCH") != "1":
    raise ImproperlyConfigured("tongxin.perf.bench_settings is for the server `tongxin bench` starts, nothing else")

ROOT_URLCONF = "tongxin.perf.bench_urls"
