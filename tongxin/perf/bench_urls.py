"""The bench server's URL map: the site's own, plus the floors under /_floor/ (tongxin.perf.floors).

Only `tongxin.perf.bench_settings` points ROOT_URLCONF here, and only the gunicorn that `tongxin bench`
starts uses those settings: the floors are never part of a deployment.
"""

from django.urls import include, path

from tongxin.perf import floors
from tongxin.urls import urlpatterns as site

urlpatterns = [path("_floor/", include((floors.urlpatterns, "floor"))), *site]
