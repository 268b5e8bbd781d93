"""The anchor: a bare Django + DRF app that creates and lists a booking-shaped row (DESIGN 13).

`bench/http.py` serves it beside Tablekeeper with the same gunicorn settings against the same
PostgreSQL server, so the ratio of the two says what Tablekeeper's own work costs on top of what any
Django + DRF create or list costs on this machine. It is deliberately plain: a ModelSerializer, a
ModelViewSet, Django's default middleware, no authentication, JSON only.
"""
