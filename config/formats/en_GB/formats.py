"""Dates and times as restaurant staff read them: the 24-hour clock, instants with their zone named.

The admin shows instants in the restaurant's own timezone (`config.middleware.RestaurantTimezoneMiddleware`),
so "2 Jun 2026, 17:08 EDT" says both the local time and which clock it is on (DESIGN 12).
"""

from django.conf.locale.en_GB.formats import *  # noqa: F403 (the rest of Django's British formats)

DATETIME_FORMAT = "j M Y, H:i T"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
TIME_FORMAT = "H:i"
