"""Simplified Chinese number formats as government finance tables print them: 28,000.00 (Django's
own zh_Hans groups nothing). Dates and times are Django's."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
