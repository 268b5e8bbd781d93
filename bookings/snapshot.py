"""Everything a booking decision reads about one restaurant day, in one query (DESIGN 13).

Creation, modification, availability and auto-allocation all need the day's schedule (opening
hours, service periods, turn times: `bookings.schedule`) and its floor (active tables, table
groups, the active bookings overlapping a window with their unreleased tables:
`bookings.capacity`); the web channel also needs the guest email's recent bookings (the per-email
limit) and creation an idempotency key's twin. `day_snapshot` reads all of it as one UNION ALL,
each branch padded to one column layout and told apart by a tag, so the create path pays one
round trip for its reads, under the restaurant-and-date lock. Each shape of the query (which of
the four parts are asked) is compiled once per process (`config.queries.PreparedQuery`).

Column layout of every row: (tag, text, date, time_a, time_b, flag, int_a, int_b, int_c, int_d,
uuid, instant_a, instant_b). NULLs are typed: PostgreSQL types a bare NULL as text.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    Field,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    TimeField,
    UUIDField,
    Value,
)
from django.db.models.functions import Cast
from django.utils import timezone

from bookings.capacity import Floor, floor_from_rows
from bookings.models import Booking
from bookings.schedule import DaySchedule, schedule_from_rows
from config.queries import PreparedQuery
from restaurants.models import OpeningHours, Restaurant, ServicePeriod, Table, TableGroup, TurnTime

COLUMNS = (
    ("text", CharField()),
    ("date", DateField()),
    ("time_a", TimeField()),
    ("time_b", TimeField()),
    ("flag", BooleanField()),
    ("int_a", IntegerField()),
    ("int_b", IntegerField()),
    ("int_c", IntegerField()),
    ("int_d", IntegerField()),
    ("uuid", UUIDField()),
    ("instant_a", DateTimeField()),
    ("instant_b", DateTimeField()),
)


@dataclass(frozen=True)
class Row:
    """One row of the snapshot. Which columns hold values depends on the tag (see the branches), so
    they are typed loosely here and read by the parsers that know the tag."""

    tag: str
    text: Any
    date: Any
    time_a: Any
    time_b: Any
    flag: Any
    int_a: Any
    int_b: Any
    int_c: Any
    int_d: Any
    uuid: Any
    instant_a: Any
    instant_b: Any


# Ask `day_snapshot` for no schedule at all (only the floor, the twin or the email's bookings).
NO_SCHEDULE = DaySchedule(day=dt.date.min, opening=None, periods=(), interval=1, last_seating_buffer=0)


@dataclass(frozen=True)
class DaySnapshot:
    schedule: DaySchedule | None
    floor: Floor | None
    twin_id: uuid.UUID | None  # the booking that already holds the idempotency key
    email_bookings: int  # web bookings for the guest's email at this restaurant in the last 24 hours


def _null(field: Field) -> Cast:
    return Cast(Value(None), field)


def _branch(queryset: QuerySet, tag: str, **columns: str) -> QuerySet:
    """`queryset` as rows of the common layout: the named columns, typed NULLs for the others."""
    values = [columns[name] if name in columns else _null(field) for name, field in COLUMNS]
    return queryset.order_by().values_list(Value(tag, output_field=CharField()), *values)


# The parameters of the snapshot query, and the fields that adapt them to the database.
PARAMETERS: dict[str, Field] = {
    "restaurant": UUIDField(),
    "day": DateField(),
    "weekday": IntegerField(),
    "earliest": DateTimeField(),  # the window's start less Booking.MAX_SPAN: the index range's start
    "start": DateTimeField(),
    "end": DateTimeField(),
    "key": CharField(),
    "email": CharField(),
    "since": DateTimeField(),  # the per-email limit counts bookings made after this
}


def _schedule_branches(v: Mapping[str, Any]) -> list[QuerySet]:
    weekday = Q(weekday__isnull=True) | Q(weekday=v["weekday"])
    dated_or_weekday = Q(date=v["day"]) | Q(date__isnull=True, weekday=v["weekday"])
    return [
        _branch(
            OpeningHours.objects.filter(dated_or_weekday, restaurant_id=v["restaurant"]),
            "hours",
            date="date",
            time_a="opens_at",
            time_b="closes_at",
            flag="is_closed",
        ),
        _branch(
            ServicePeriod.objects.filter(weekday, restaurant_id=v["restaurant"]),
            "period",
            text="name",
            time_a="start_time",
            time_b="end_time",
        ),
        _branch(
            TurnTime.objects.filter(restaurant_id=v["restaurant"]),
            "turn",
            text="booking_type",
            int_a="party_min",
            int_b="party_max",
            int_c="minutes",
        ),
    ]


def _floor_branches(v: Mapping[str, Any]) -> list[QuerySet]:
    overlapping = Booking.objects.filter(
        restaurant_id=v["restaurant"],
        status__in=Booking.ACTIVE_STATUSES,
        # The lower bound adds nothing logically (no booking lasts MAX_SPAN) but lets the
        # (restaurant, start_at) index read one window instead of the restaurant's whole history.
        start_at__gt=v["earliest"],
        start_at__lt=v["end"],
        end_at__gt=v["start"],
    ).alias(live=FilteredRelation("table_assignments", condition=Q(table_assignments__released_at__isnull=True)))
    return [
        _branch(
            Table.objects.filter(restaurant_id=v["restaurant"], is_active=True),
            "table",
            int_a="pk",
            int_b="min_seats",
            int_c="max_seats",
        ),
        _branch(
            TableGroup.tables.through.objects.filter(tablegroup__restaurant_id=v["restaurant"]),
            "group",
            int_a="table_id",
            int_b="tablegroup__min_seats",
            int_c="tablegroup__max_seats",
            int_d="tablegroup_id",
        ),
        _branch(
            overlapping,
            "booking",
            int_a="live__table_id",
            int_c="party_size",
            uuid="pk",
            instant_a="start_at",
            instant_b="end_at",
        ),
    ]


def _twin_branch(v: Mapping[str, Any]) -> QuerySet:
    return _branch(Booking.objects.filter(restaurant_id=v["restaurant"], idempotency_key=v["key"]), "twin", uuid="pk")


def _email_branch(v: Mapping[str, Any]) -> QuerySet:
    recent = Booking.objects.filter(
        restaurant_id=v["restaurant"], customer_email=v["email"], source=Booking.Source.WEB, created_at__gte=v["since"]
    )
    return _branch(recent, "email", uuid="pk")


@functools.cache
def _query(schedule: bool, window: bool, key: bool, email: bool) -> PreparedQuery:
    """The snapshot query of one shape, compiled once per process (`config.queries`)."""

    def build(v: Mapping[str, Any]) -> QuerySet:
        branches = _schedule_branches(v) if schedule else []
        branches += _floor_branches(v) if window else []
        branches += [_twin_branch(v)] if key else []
        branches += [_email_branch(v)] if email else []
        return branches[0].union(*branches[1:], all=True)

    names = {"restaurant"}
    names |= {"day", "weekday"} if schedule else set()
    names |= {"earliest", "start", "end"} if window else set()
    names |= {"key"} if key else set()
    names |= {"email", "since"} if email else set()
    return PreparedQuery(build, **{name: field for name, field in PARAMETERS.items() if name in names})


def day_snapshot(
    restaurant: Restaurant,
    day: dt.date,
    *,
    schedule: DaySchedule | None = None,
    window: tuple[dt.datetime, dt.datetime] | None = None,
    idempotency_key: str | None = None,
    guest_email: str = "",
) -> DaySnapshot:
    """Read what is asked in one query: the day's own schedule (unless `schedule` is given, e.g.
    legacy mode's fixed one), the floor of `window` (when given), the twin holding
    `idempotency_key` and the recent web bookings of `guest_email`."""
    shape = (schedule is None, window is not None, bool(idempotency_key), bool(guest_email))
    rows: list[Row] = []
    if any(shape):
        values: dict[str, Any] = {"restaurant": restaurant.pk, "day": day, "weekday": day.weekday()}
        if window:
            values.update(earliest=window[0] - Booking.MAX_SPAN, start=window[0], end=window[1])
        values.update(key=idempotency_key, email=guest_email, since=timezone.now() - dt.timedelta(hours=24))
        query = _query(*shape)
        rows = [Row(*row) for row in query.rows(**{name: values[name] for name in query.parameters})]
    return DaySnapshot(
        schedule=schedule or schedule_from_rows(restaurant, day, rows),
        floor=floor_from_rows(rows) if window else None,
        twin_id=next((row.uuid for row in rows if row.tag == "twin"), None),
        email_bookings=sum(row.tag == "email" for row in rows),
    )


def day_schedule(restaurant: Restaurant, day: dt.date) -> DaySchedule:
    """The restaurant's own schedule of one date (unified mode), in one query."""
    schedule = day_snapshot(restaurant, day).schedule
    assert schedule is not None
    return schedule


def floor_for(restaurant: Restaurant, start_at: dt.datetime, end_at: dt.datetime) -> Floor:
    """The floor for bookings overlapping [start_at, end_at), in one query."""
    local_day = start_at.astimezone(restaurant.tz).date()
    floor = day_snapshot(restaurant, local_day, schedule=NO_SCHEDULE, window=(start_at, end_at)).floor
    assert floor is not None
    return floor
