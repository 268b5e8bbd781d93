"""A restaurant's bookable day: its opening window, service periods and slot grid (DESIGN 5.5).

The one home of the grid rule: starts every `reservation_interval_minutes` counted from the day's
opening time, the last one `last_seating_buffer_minutes` before closing. The validator, the walk-in
form and availability all read the grid and the service period at a time from a `DaySchedule`.

- unified mode: the restaurant's own opening hours (a dated row wins over the weekday row; hours
  that close at or before they open run past midnight) and its service periods for that weekday.
- legacy mode: the fixed windows, lunch 12:00-15:00 and dinner 17:00-22:00, on the restaurant's
  interval, whatever the restaurant's own hours say.

Starts are wall-clock times of the schedule's date: a restaurant open past midnight takes no
bookings starting after midnight on the same date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bookings.models import Booking
from restaurants.models import MAX_TURN_MINUTES, Restaurant

if TYPE_CHECKING:
    from bookings.snapshot import Row

DAY_MINUTES = 24 * 60
LEGACY_PERIODS = (("lunch", dt.time(12), dt.time(15)), ("dinner", dt.time(17), dt.time(22)))
# Without a service period at a time, the booking type goes by the hour: breakfast before 11:00,
# lunch before 16:00, dinner after.
BY_THE_HOUR = ((dt.time(11), Booking.BookingType.BREAKFAST), (dt.time(16), Booking.BookingType.LUNCH))
# The longest a booking can last: the durations below and every turn time stay within it, so a
# read of the bookings overlapping a slot can stop this far after its start.
LONGEST_STAY = MAX_TURN_MINUTES
# How long a booking lasts in unified mode when no turn time matches (DESIGN 5.5).
DURATIONS: dict[str, int] = {
    Booking.BookingType.BREAKFAST: 60,
    Booking.BookingType.LUNCH: 90,
    Booking.BookingType.DRINKS: 75,
    Booking.BookingType.DINNER: 120,
}


def minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def closing_minutes(opening: tuple[dt.time, dt.time]) -> int:
    """Closing time in minutes after the date's midnight: hours that close at or before they open
    run past midnight (closing at 02:00 is 26:00). The end of the restaurant's day (the clock) and
    the last seating (the grid) both read it."""
    opens_at, closes_at = opening
    return minutes(closes_at) + (DAY_MINUTES if closes_at <= opens_at else 0)


def clock(total_minutes: int) -> dt.time:
    return dt.time((total_minutes // 60) % 24, total_minutes % 60)


@dataclass(frozen=True)
class Period:
    name: str
    start: dt.time
    end: dt.time

    def __contains__(self, t: dt.time) -> bool:
        return self.start <= t < self.end

    def __str__(self) -> str:
        return f"{self.name} {self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class TurnRule:
    party_min: int
    party_max: int
    booking_type: str  # "" for any
    minutes: int

    def matches(self, party: int, booking_type: str) -> bool:
        return self.party_min <= party <= self.party_max and self.booking_type in ("", booking_type)

    def precedence(self) -> tuple[int, bool]:
        """The narrowest party range first, then a row for the booking type before an "any" row."""
        return (self.party_max - self.party_min, self.booking_type == "")


@dataclass(frozen=True)
class DaySchedule:
    day: dt.date
    opening: tuple[dt.time, dt.time] | None  # (opens, closes); None: takes no bookings that day
    periods: tuple[Period, ...]
    interval: int
    last_seating_buffer: int
    turn_times: tuple[TurnRule, ...] = ()

    def duration(self, party: int, booking_type: str) -> int:
        """Minutes a booking lasts: the matching turn time, else the booking type's duration."""
        matching = [rule for rule in self.turn_times if rule.matches(party, booking_type)]
        if matching:
            return min(matching, key=TurnRule.precedence).minutes
        return DURATIONS[booking_type]

    @property
    def opens(self) -> int:
        assert self.opening is not None, "a closed day has no opening time"
        return minutes(self.opening[0])

    @property
    def closes(self) -> int:
        """Closing time in minutes after the date's midnight (past 24:00 when it closes after midnight)."""
        assert self.opening is not None, "a closed day has no closing time"
        return closing_minutes(self.opening)

    def last_start(self, duration: int) -> int:
        """The latest start, in minutes after midnight, for a booking lasting `duration` minutes."""
        return self.closes - max(self.last_seating_buffer, duration)

    def is_on_grid(self, t: dt.time) -> bool:
        return self.opening is not None and minutes(t) >= self.opens and (minutes(t) - self.opens) % self.interval == 0

    def starts(self) -> list[dt.time]:
        """Every start on the grid: from opening time, every interval, up to the last seating."""
        if self.opening is None:
            return []
        last = min(self.closes - self.last_seating_buffer, DAY_MINUTES - 1)
        return [clock(m) for m in range(self.opens, last + 1, self.interval)]

    def slot_containing(self, t: dt.time) -> dt.time | None:
        """The grid start whose interval contains `t` (None before opening or on a closed day)."""
        if self.opening is None or minutes(t) < self.opens:
            return None
        return clock(minutes(t) - (minutes(t) - self.opens) % self.interval)

    def period_at(self, t: dt.time) -> Period | None:
        return next((period for period in self.periods if t in period), None)

    def booking_type_at(self, t: dt.time) -> str:
        """The service period at `t`, else by the hour (breakfast, lunch, dinner)."""
        if period := self.period_at(t):
            return period.name
        return next((kind for before, kind in BY_THE_HOUR if t < before), Booking.BookingType.DINNER)


def schedule_from_rows(restaurant: Restaurant, day: dt.date, rows: Iterable[Row]) -> DaySchedule:
    """The unified schedule of `day` from a snapshot's rows (`bookings.snapshot`): its opening hours
    (a dated row wins over the weekday row), service periods and turn times."""
    opening_rows = sorted((r for r in rows if r.tag == "hours"), key=lambda r: r.date is None)
    opening = None
    if opening_rows and not opening_rows[0].flag:
        opening = (opening_rows[0].time_a, opening_rows[0].time_b)
    return DaySchedule(
        day=day,
        opening=opening,
        periods=tuple(sorted((Period(r.text, r.time_a, r.time_b) for r in rows if r.tag == "period"), key=_by_start)),
        interval=restaurant.reservation_interval_minutes,
        last_seating_buffer=restaurant.last_seating_buffer_minutes,
        turn_times=tuple(TurnRule(r.int_a, r.int_b, r.text, r.int_c) for r in rows if r.tag == "turn"),
    )


def legacy_schedule(restaurant: Restaurant, day: dt.date) -> DaySchedule:
    """Legacy mode's fixed windows on the restaurant's interval (no query)."""
    periods = tuple(Period(name, start, end) for name, start, end in LEGACY_PERIODS)
    return DaySchedule(
        day=day,
        opening=(periods[0].start, periods[-1].end),
        periods=periods,
        interval=restaurant.reservation_interval_minutes,
        last_seating_buffer=restaurant.reservation_interval_minutes,
    )


def _by_start(period: Period) -> dt.time:
    return period.start
